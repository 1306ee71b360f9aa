// The browser dashboard. Everything comes from the workbench's JSON API: the labs and their
// parameter schemas (the form is generated from them), and a live stream of snapshots over
// server-sent events. Charts are drawn by uPlot (web/vendor/).
"use strict";

const CHART_SECONDS = 60;
const COLORS = ["#0b7285", "#2b8a3e", "#e67700", "#862e9c", "#c92a2a", "#1864ab"];

const state = {
  labs: [],
  lang: localStorage.getItem("workbench.lang"),
  selected: null,
  run: null,
  source: null,
  rateChart: null,
  rateSeries: [],
  rateData: [[]],
  latencyChart: null,
  latencyData: [[], [], []],
};

const $ = (selector) => document.querySelector(selector);

// The page's own words in each language; lessons and tasks come translated from the server.
const WORDS = {
  en: {
    lessons: "Lessons", exercises: "Exercises", hints: "Hints", check: "Check",
    reveal: (left) => `Reveal a hint (${left} left)`, noMoreHints: "No more hints",
    checkRunning: "Check my running program", checking: "Checking…",
    pass: "PASS", fail: "FAIL", expected: "expected", got: "got", try: "try",
    startFiles: "Start files", readLesson: (topic) => `Read the lesson: ${topic}`, hintsUsed: (count) => `hints used: ${count}`,
    passed: "passed", tried: (count) => `tried ${count}×`, new: "new",
    result: (passed, failed) => `${passed} passed, ${failed} failed`,
    fromTerminal: "This checker reads what your program prints, so it starts your program itself: run the command above in a terminal.",
    needToken: "This dashboard needs its token: open the address that `workbench serve` printed (it ends in ?token=…).",
    unreachable: "Cannot reach the workbench:",
    counter: "counter", total: "total", perSecond: "per second",
    easy: "easy", medium: "medium", hard: "hard",
    tagline: "labs of real systems: pick one, set its knobs, start it", language: "Language",
    parameters: "Parameters", start: "Start", stop: "Stop", totals: "Totals", events: "Events",
    downloadReport: "Download report", projector: "Projector view", leaveProjector: "Leave projector view",
    ratesCaption: "Rates per second (last minute)", latencyCaption: "Latency percentiles",
    seconds: "seconds", starting: (lab) => `${lab}: starting…`,
    running: (lab, t) => `${lab}: running ${t} s`,
    ended: (lab, ok, t, verdict) => `${lab}: ${ok ? "finished" : "failed"} after ${t} s: ${verdict}`,
  },
  zh: {
    lessons: "课程", exercises: "练习", hints: "提示", check: "检查",
    reveal: (left) => `显示一条提示（还剩 ${left} 条）`, noMoreHints: "没有更多提示了",
    checkRunning: "检查正在运行的程序", checking: "检查中…",
    pass: "通过", fail: "失败", expected: "期望", got: "实际", try: "建议",
    startFiles: "起始文件", readLesson: (topic) => `阅读课程：${topic}`, hintsUsed: (count) => `已用提示：${count}`,
    passed: "已通过", tried: (count) => `尝试了 ${count} 次`, new: "未开始",
    result: (passed, failed) => `${passed} 项通过，${failed} 项失败`,
    fromTerminal: "这个检查器要读取你的程序打印的内容，所以由它来启动你的程序：请在终端里运行上面的命令。",
    needToken: "这个仪表盘需要它的令牌：请打开 `workbench serve` 打印的地址（以 ?token=… 结尾）。",
    unreachable: "连接不到 workbench：",
    counter: "计数", total: "总数", perSecond: "每秒",
    easy: "简单", medium: "中等", hard: "困难",
    tagline: "真实系统的实验：选一个，调好参数，启动它", language: "语言",
    parameters: "参数", start: "启动", stop: "停止", totals: "总数", events: "事件",
    downloadReport: "下载报告", projector: "投影视图", leaveProjector: "退出投影视图",
    ratesCaption: "每秒速率（最近一分钟）", latencyCaption: "延迟百分位",
    seconds: "秒", starting: (lab) => `${lab}：正在启动…`,
    running: (lab, t) => `${lab}：运行中 ${t} 秒`,
    ended: (lab, ok, t, verdict) => `${lab}：${ok ? "已结束" : "未通过"}，用时 ${t} 秒：${verdict}`,
  },
};

// A snapshot's ids (`sent/A`, `client-3/replies`) labelled part by part in the page's
// language, as the workbench's own `lab_i18n::label` does, from the terms of /api/terms.
function slug(part) {
  return part.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

function label(id) {
  const terms = state.terms || {};
  return String(id).split("/").map((part) => {
    if (terms[slug(part)]) return terms[slug(part)];
    const numbered = part.match(/^(.*)-(\d+)$/);
    if (numbered && terms[slug(numbered[1])]) return `${terms[slug(numbered[1])]}-${numbered[2]}`;
    return part;
  }).join("/");
}

function say(word, ...values) {
  const browser = (navigator.language || "").startsWith("zh") ? "zh" : "en";
  const text = (WORDS[state.lang] || WORDS[browser])[word];
  return typeof text === "function" ? text(...values) : text;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function shortNumber(value) {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9) return (value / 1e9).toFixed(1) + "G";
  if (magnitude >= 1e6) return (value / 1e6).toFixed(1) + "M";
  if (magnitude >= 1e4) return (value / 1e3).toFixed(1) + "k";
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) throw new Error(say("needToken"));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// ---- lab list and parameter form -------------------------------------------------------------

function renderLabList() {
  const nav = $("#labs");
  nav.replaceChildren();
  let topic = null;
  for (const lab of state.labs) {
    if (lab.topic !== topic) {
      topic = lab.topic;
      nav.append(element("h3", { text: topic }));
    }
    const button = element("button", { type: "button", "data-lab": lab.id, text: lab.id });
    button.addEventListener("click", () => selectLab(lab.id));
    nav.append(button);
  }
}

function selectLab(id) {
  state.selected = state.labs.find((lab) => lab.id === id);
  showLabView();
  markCurrent("lab", id);
  $("#lab-lesson").textContent = say("readLesson", state.selected.topic);
  $("#lab-lesson").onclick = (event) => {
    event.preventDefault();
    openLesson(state.selected.topic);
  };
  $("#lab-title").textContent = state.selected.title;
  $("#lab-summary").textContent = state.selected.summary;
  const form = $("#params");
  form.replaceChildren();
  for (const spec of state.selected.params) {
    let input;
    if (spec.kind.type === "choice") {
      input = element("select", { name: spec.name });
      for (const choice of spec.kind.choices) input.append(element("option", { value: choice, text: choice }));
      input.value = spec.default;
    } else if (spec.kind.type === "bool") {
      input = element("select", { name: spec.name });
      for (const choice of ["true", "false"]) input.append(element("option", { value: choice, text: choice }));
      input.value = spec.default;
    } else {
      input = element("input", { name: spec.name, value: spec.default });
      if (spec.kind.type === "integer" || spec.kind.type === "float") input.setAttribute("inputmode", "decimal");
    }
    form.append(element("label", {}, spec.name, input, element("small", { text: spec.help + " (default: " + spec.default + ")" })));
  }
  $("#form-error").textContent = "";
}

function formValues() {
  const values = {};
  for (const input of $("#params").elements) values[input.name] = input.value;
  return values;
}

// ---- lessons and exercises -------------------------------------------------------------------

function langQuery() {
  return state.lang ? `?lang=${state.lang}` : "";
}

// Highlights the one nav entry being shown: a lab, a lesson or an exercise.
function markCurrent(kind, id) {
  for (const button of document.querySelectorAll("nav button")) {
    button.setAttribute("aria-current", String(button.dataset[kind] === id));
  }
}

function showLabView() {
  $("#reader").hidden = true;
  $("#setup").hidden = false;
  $("#dashboard").hidden = state.run === null;
}

function showReader() {
  $("#reader").hidden = false;
  $("#setup").hidden = true;
  $("#dashboard").hidden = true;
}

async function loadCourse() {
  const lessons = await api("GET", "/api/lessons" + langQuery());
  state.lang = state.lang || lessons.lang;
  $("#lang").value = state.lang;
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  state.terms = state.lang === "zh" ? (await api("GET", "/api/terms" + langQuery())).terms : {};
  $("#lessons-heading").textContent = say("lessons");
  for (const node of document.querySelectorAll("[data-word]")) node.textContent = say(node.dataset.word);
  $("#exercises-heading").textContent = say("exercises");
  if (state.selected) $("#lab-lesson").textContent = say("readLesson", state.selected.topic);
  $("#lessons").replaceChildren(...lessons.lessons.map((lesson) => {
    const button = element("button", { type: "button", "data-lesson": lesson.topic, text: lesson.title });
    button.addEventListener("click", () => openLesson(lesson.topic));
    return button;
  }));
  await loadExercises();
}

async function loadExercises() {
  const exercises = await api("GET", "/api/exercises" + langQuery());
  $("#exercises").replaceChildren(...exercises.map((exercise) => {
    const mark = exercise.status.passed ? "✔ " : exercise.status.attempts ? "… " : "";
    const button = element("button", { type: "button", "data-exercise": exercise.id, "data-status": statusKey(exercise.status), text: mark + exercise.title });
    button.addEventListener("click", () => openExercise(exercise.id));
    return button;
  }));
}

// "passed", "tried" or "new": for tests and styles, whatever the language.
function statusKey(status) {
  if (status.passed) return "passed";
  return status.attempts ? "tried" : "new";
}

function statusLabel(status) {
  const key = statusKey(status);
  return key === "tried" ? say("tried", status.attempts) : say(key);
}

// Lesson and task HTML comes from the workbench's own content; its lab and exercise links
// become buttons here.
function wireLinks(container) {
  for (const link of container.querySelectorAll("a.run-lab")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      runFromLesson(link.dataset.lab, JSON.parse(link.dataset.params));
    });
  }
  for (const link of container.querySelectorAll("a.open-exercise")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      openExercise(link.dataset.exercise);
    });
  }
}

async function openLesson(topic) {
  state.reading = { kind: "lesson", id: topic };
  const lesson = await api("GET", `/api/lessons/${topic}` + langQuery());
  markCurrent("lesson", topic);
  const reader = $("#reader");
  reader.innerHTML = lesson.html;
  reader.dataset.lesson = topic;
  delete reader.dataset.exercise;
  wireLinks(reader);
  showReader();
  reader.scrollTop = 0;
}

async function runFromLesson(labId, params) {
  selectLab(labId);
  for (const [name, value] of Object.entries(params)) {
    const input = $("#params").elements[name];
    if (input) input.value = value;
  }
  if (state.run !== null) await stop();
  await start();
}

async function openExercise(id, answer) {
  state.reading = { kind: "exercise", id };
  const exercise = answer || (await api("GET", `/api/exercises/${id}` + langQuery()));
  markCurrent("exercise", id);
  const reader = $("#reader");
  reader.dataset.exercise = id;
  delete reader.dataset.lesson;
  const status = element("p", { id: "exercise-status", class: "muted", text: `${say(exercise.difficulty) || exercise.difficulty} · ${statusLabel(exercise.status)} · ${say("hintsUsed", exercise.status.hints_used)}` });
  const task = element("div");
  task.innerHTML = exercise.html;
  const hints = element("ol", { id: "hints" }, ...exercise.hints.map((hint) => element("li", { text: hint })));
  const left = exercise.hints_total - exercise.hints.length;
  const hintButton = element("button", { type: "button", id: "reveal-hint", text: left ? say("reveal", left) : say("noMoreHints") });
  hintButton.disabled = left === 0;
  hintButton.addEventListener("click", async () => openExercise(id, await api("POST", `/api/exercises/${id}/hint` + langQuery())));
  const starters = element("p", { text: `${say("startFiles")}: ${exercise.starters.join(", ")} (workbench exercise start ${id})` });
  const command = element("pre", { text: exercise.check_command });
  const results = element("div", { id: "check-results" });
  const parts = [status, task, element("h2", { text: say("hints") }), hints, hintButton, element("h2", { text: say("check") }), starters, command];
  if (exercise.checkable_here) {
    const checkButton = element("button", { type: "button", id: "check", text: say("checkRunning") });
    checkButton.addEventListener("click", () => checkExercise(id, checkButton, results));
    parts.push(checkButton);
  } else {
    parts.push(element("p", { class: "muted", text: say("fromTerminal") }));
  }
  parts.push(results);
  reader.replaceChildren(...parts);
  wireLinks(reader);
  showReader();
}

async function checkExercise(id, button, results) {
  button.disabled = true;
  results.replaceChildren(element("p", { class: "muted", text: say("checking") }));
  try {
    const answer = await api("POST", `/api/exercises/${id}/check${langQuery()}`);
    const items = answer.outcome.checks.map((check) => {
      // `label` is the check in the page's language; `name` is its English id.
      const item = element("li", { class: check.passed ? "pass" : "fail", "data-check": check.name }, element("strong", { text: `${say(check.passed ? "pass" : "fail")} ${check.label || check.name}` }));
      for (const [label, text] of [[say("expected"), check.expected], [say("got"), check.got], [check.passed ? "" : say("try"), check.note]]) {
        if (text) item.append(element("div", { text: label ? `${label}: ${text}` : text }));
      }
      return item;
    });
    const passed = answer.outcome.checks.filter((check) => check.passed).length;
    results.replaceChildren(
      element("p", { class: answer.passed ? "ok" : "failed", "data-passed": String(passed), "data-failed": String(answer.outcome.checks.length - passed), text: say("result", passed, answer.outcome.checks.length - passed) }),
      element("ul", { class: "checks" }, ...items),
    );
    $("#exercise-status").textContent = `${statusLabel(answer.status)} · ${say("hintsUsed", answer.status.hints_used)}`;
    loadExercises();
  } catch (problem) {
    results.replaceChildren(element("p", { class: "failed", text: problem.message }));
  } finally {
    button.disabled = false;
  }
}

async function switchLanguage(lang) {
  state.lang = lang;
  localStorage.setItem("workbench.lang", lang);
  // The labs' titles, summaries and parameter help come in the chosen language too.
  state.labs = await api("GET", "/api/labs" + langQuery());
  if (state.selected) {
    const id = state.selected.id;
    if (!$("#setup").hidden) selectLab(id);
    else state.selected = state.labs.find((lab) => lab.id === id);
  }
  await loadCourse();
  if (state.reading && !$("#reader").hidden) {
    if (state.reading.kind === "lesson") await openLesson(state.reading.id);
    else await openExercise(state.reading.id);
  }
}

// ---- running a lab ---------------------------------------------------------------------------

async function start() {
  $("#form-error").textContent = "";
  try {
    const answer = await api("POST", `/api/labs/${state.selected.id}/start`, formValues());
    watch(answer.run, state.selected.id);
  } catch (problem) {
    $("#form-error").textContent = problem.message;
  }
}

async function stop() {
  if (state.run !== null) await api("POST", `/api/runs/${state.run}/stop`).catch(() => {});
}

function watch(run, labId) {
  if (state.source) state.source.close();
  state.run = run;
  resetDashboard(labId);
  $("#start").disabled = true;
  $("#stop").disabled = false;
  $("#download-report").hidden = true;
  // Fold the form away while the lab runs, so the dashboard fits on screen.
  $("#params-box").open = false;
  const source = new EventSource(`/api/runs/${run}/events`);
  state.source = source;
  source.addEventListener("snapshot", (message) => applySnapshot(JSON.parse(message.data)));
  source.addEventListener("report", (message) => {
    applyReport(JSON.parse(message.data));
    source.close();
  });
  source.onerror = () => {
    $("#connection").textContent = source.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
  };
  source.onopen = () => ($("#connection").textContent = "live");
}

function resetDashboard(labId) {
  $("#dashboard").hidden = false;
  $("#status").className = "";
  $("#status").textContent = say("starting", labId);
  $("#events").replaceChildren();
  $("#tables").replaceChildren();
  $("#totals").replaceChildren();
  for (const chart of [state.rateChart, state.latencyChart]) if (chart) chart.destroy();
  state.rateChart = null;
  state.latencyChart = null;
  state.rateSeries = [];
  state.rateData = [[]];
  state.latencyData = [[], [], []];
}

function chartWidth(id) {
  return Math.max(280, $(id).parentElement.clientWidth - 16);
}

function makeRateChart(series, gauges = {}) {
  state.rateSeries = series;
  state.rateData = [[], ...series.map(() => [])];
  const options = {
    width: chartWidth("#rate-chart"),
    height: 240,
    scales: { x: { time: false } },
    axes: [{ label: say("seconds") }, { values: (_, ticks) => ticks.map(shortNumber), size: 60 }],
    // A gauge is drawn as its value ("tests running"), a counter as its rate ("sent/s").
    // Each series thinner than the one before and every other one dashed, so a series under
    // another of the same values (sent/s under filtered/s) still shows.
    series: [{ label: "t" }, ...series.map((name, index) => ({
      label: name in gauges ? label(name) : label(name + "/s"),
      stroke: COLORS[index % COLORS.length],
      width: Math.max(1.5, 4.5 - index),
      dash: index % 2 ? [9, 5] : undefined,
    }))],
  };
  state.rateChart = new uPlot(options, state.rateData, $("#rate-chart"));
}

function makeLatencyChart(unit) {
  const options = {
    width: chartWidth("#latency-chart"),
    height: 240,
    scales: { x: { time: false } },
    axes: [{ label: say("seconds") }, { label: unit, size: 60 }],
    series: [{ label: "t" }, { label: "p50", stroke: COLORS[0], width: 2 }, { label: "p99", stroke: COLORS[2], width: 2 }],
  };
  state.latencyChart = new uPlot(options, state.latencyData, $("#latency-chart"));
}

function trimToWindow(data, now) {
  while (data[0].length && data[0][0] < now - CHART_SECONDS) for (const column of data) column.shift();
}

function applySnapshot(snapshot) {
  $("#status").textContent = say("running", snapshot.lab, snapshot.t.toFixed(1));
  const charted = snapshot.hints.charts && snapshot.hints.charts.length
    ? snapshot.hints.charts
    : Object.keys(snapshot.rates).filter((name) => !name.includes("/"));
  if (!state.rateChart) makeRateChart(charted, snapshot.gauges || {});
  state.rateData[0].push(snapshot.t);
  // A charted gauge is drawn as its value (the number of tests running, say), not a rate.
  state.rateSeries.forEach((name, index) => state.rateData[index + 1].push(snapshot.rates[name] ?? snapshot.gauges?.[name] ?? 0));
  trimToWindow(state.rateData, snapshot.t);
  state.rateChart.setData(state.rateData);

  const [histogram] = Object.keys(snapshot.latency || {});
  if (histogram) {
    const latency = snapshot.latency[histogram];
    if (!state.latencyChart) makeLatencyChart(latency.unit);
    state.latencyData[0].push(snapshot.t);
    state.latencyData[1].push(latency.p50);
    state.latencyData[2].push(latency.p99);
    trimToWindow(state.latencyData, snapshot.t);
    state.latencyChart.setData(state.latencyData);
  }

  renderTotals(snapshot);
  renderGraphs(snapshot);
  renderTables(snapshot);
  for (const event of snapshot.events) addEvent(event);
}

// A duration in the unit that fits it (48 µs, 3.2 ms, 1.4 s); null when `unit` is not a time's.
function durationText(value, unit) {
  const scale = { "µs": 1, us: 1, ms: 1e3, s: 1e6 }[unit];
  if (scale === undefined) return null;
  const micros = value * scale;
  const [amount, symbol] = Math.abs(micros) < 1e3 ? [micros, "µs"] : Math.abs(micros) < 1e6 ? [micros / 1e3, "ms"] : [micros / 1e6, "s"];
  return Math.abs(amount) < 10 && !Number.isInteger(amount) ? `${amount.toFixed(1)} ${symbol}` : `${Math.round(amount)} ${symbol}`;
}

function renderTotals(snapshot) {
  const rows = [element("tr", {}, element("th", { text: say("counter") }), element("th", { text: say("total") }), element("th", { text: say("perSecond") }))];
  for (const [name, value] of Object.entries(snapshot.counters)) {
    if (name.includes("/")) continue;
    rows.push(element("tr", { "data-counter": name }, element("td", { text: label(name) }), element("td", { text: shortNumber(value) }), element("td", { text: shortNumber(Math.round(snapshot.rates[name] || 0)) })));
  }
  for (const [name, value] of Object.entries(snapshot.gauges || {})) {
    rows.push(element("tr", {}, element("td", { text: label(name) }), element("td", { text: String(value) }), element("td")));
  }
  for (const [name, latency] of Object.entries(snapshot.latency || {})) {
    const shown = (value) => durationText(value, latency.unit) ?? `${shortNumber(value)} ${latency.unit}`;
    rows.push(element("tr", {}, element("td", { text: `${label(name)} p50 / p99 / max` }), element("td", { text: `${shown(latency.p50)} / ${shown(latency.p99)} / ${shown(latency.max)}` }), element("td")));
  }
  $("#totals").replaceChildren(...rows);
}

function renderTables(snapshot) {
  const blocks = [];
  for (const [name, table] of Object.entries(snapshot.tables || {})) {
    const barColumn = (snapshot.hints.bars || {})[name];
    const barIndex = barColumn ? table.columns.indexOf(barColumn) : -1;
    const largest = barIndex >= 0 ? Math.max(1, ...table.rows.map((row) => Number(row[barIndex]) || 0)) : 1;
    const header = element("tr", {}, ...table.columns.map((column) => element("th", { text: label(column) })));
    if (barIndex >= 0) header.append(element("th"));
    const rows = table.rows.map((row) => {
      const line = element("tr", {}, ...row.map((cell) => element("td", { text: typeof cell === "number" ? shortNumber(cell) : String(cell) })));
      if (barIndex >= 0) {
        const width = Math.round((100 * (Number(row[barIndex]) || 0)) / largest);
        line.append(element("td", {}, element("span", { class: "bar", style: `width:${width}px` })));
      }
      return line;
    });
    blocks.push(element("h2", { text: label(name) }), element("table", { "data-table": name }, header, ...rows));
  }
  $("#tables").replaceChildren(...blocks);
}

const NODE_COLORS = { pending: "#9aa0a6", running: "#1a73e8", passed: "#188038", failed: "#d93025", error: "#a142f4", skipped: "#e37400" };

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// A graph in layers, left to right: a box per node coloured by its state, a line per edge
// from what is needed to what needs it, the critical path drawn thicker.
function renderGraphs(snapshot) {
  const blocks = [];
  for (const [name, graph] of Object.entries(snapshot.graphs || {})) {
    const columnWidth = 190, rowHeight = 30, boxWidth = 160, boxHeight = 22, most = 400;
    const nodes = graph.nodes.slice(0, most);
    const rowInLayer = [];
    const filled = {};
    for (const node of nodes) {
      rowInLayer.push(filled[node.layer] || 0);
      filled[node.layer] = (filled[node.layer] || 0) + 1;
    }
    const layers = Math.max(0, ...nodes.map((node) => node.layer)) + 1;
    const rows = Math.max(1, ...Object.values(filled));
    const x = (index) => 10 + nodes[index].layer * columnWidth;
    const y = (index) => 10 + rowInLayer[index] * rowHeight;
    const picture = svg("svg", { width: layers * columnWidth + 20, height: rows * rowHeight + 20, "data-graph": name });
    for (const [from, to] of graph.edges) {
      if (from >= nodes.length || to >= nodes.length) continue;
      const strong = nodes[from].marked && nodes[to].marked;
      picture.append(svg("line", { x1: x(from) + boxWidth, y1: y(from) + boxHeight / 2, x2: x(to), y2: y(to) + boxHeight / 2, stroke: strong ? "#202124" : "#c0c4c8", "stroke-width": strong ? 2.5 : 1 }));
    }
    nodes.forEach((node, index) => {
      const box = svg("g", { "data-node": node.label, "data-state": node.state, class: node.marked ? "critical" : "" },
        svg("rect", { x: x(index), y: y(index), width: boxWidth, height: boxHeight, rx: 4, fill: NODE_COLORS[node.state] || NODE_COLORS.pending, stroke: node.marked ? "#202124" : "none", "stroke-width": 2 }),
        svg("text", { x: x(index) + 6, y: y(index) + 15, fill: "white", "font-size": 12, text: node.label.length > 22 ? node.label.slice(0, 21) + "…" : node.label }),
        svg("title", { text: `${node.label}: ${node.state}` }));
      picture.append(box);
    });
    const legend = element("p", { class: "muted" }, ...Object.entries(NODE_COLORS).map(([state, color]) => element("span", { class: "legend", style: `color:${color}`, text: `■ ${state} ` })));
    const note = graph.nodes.length > most ? [element("p", { class: "muted", text: `the first ${most} of ${graph.nodes.length} nodes` })] : [];
    blocks.push(element("h2", { text: name }), legend, element("div", { class: "graph" }, picture), ...note);
  }
  $("#graphs").replaceChildren(...blocks);
}

function addEvent(event) {
  const item = element("li", { class: event.level, text: `${event.t.toFixed(2)}s  ${event.message}` });
  $("#events").prepend(item);
  while ($("#events").children.length > 300) $("#events").lastChild.remove();
}

function applyReport(report) {
  const status = $("#status");
  status.className = report.ok ? "ok" : "failed";
  status.textContent = say("ended", report.lab, report.ok, report.t.toFixed(1), report.verdict);
  for (const note of report.notes || []) addEvent({ t: report.t, level: "info", message: "note: " + note });
  $("#start").disabled = false;
  $("#stop").disabled = true;
  $("#connection").textContent = "";
  // The finished run as one page to keep, in the page's language.
  const download = $("#download-report");
  download.href = `/api/runs/${state.run}/report` + langQuery();
  download.setAttribute("download", `${report.lab}-run-${state.run}.html`);
  download.hidden = false;
}

window.addEventListener("resize", () => {
  if (state.rateChart) state.rateChart.setSize({ width: chartWidth("#rate-chart"), height: 240 });
  if (state.latencyChart) state.latencyChart.setSize({ width: chartWidth("#latency-chart"), height: 240 });
});

// Tests and curious students can look at the live numbers from the console.
window.workbench = {
  state,
  latestRate: (name) => {
    const index = state.rateSeries.indexOf(name);
    const column = index >= 0 ? state.rateData[index + 1] : [];
    return column.length ? column[column.length - 1] : 0;
  },
};

// The projector view: verdict and charts only, large type; `?view=projector` opens in it.
function setProjector(on) {
  document.body.classList.toggle("projector", on);
  const button = $("#projector");
  button.dataset.word = on ? "leaveProjector" : "projector";
  button.textContent = say(button.dataset.word);
  const url = new URL(window.location.href);
  if (on) url.searchParams.set("view", "projector");
  else url.searchParams.delete("view");
  url.searchParams.delete("token");
  window.history.replaceState(null, "", url);
  window.dispatchEvent(new Event("resize"));
}

async function boot() {
  $("#projector").addEventListener("click", () => setProjector(!document.body.classList.contains("projector")));
  if (new URLSearchParams(window.location.search).get("view") === "projector") setProjector(true);
  $("#start").addEventListener("click", start);
  $("#stop").addEventListener("click", stop);
  $("#lang").addEventListener("change", (event) => switchLanguage(event.target.value));
  try {
    state.labs = await api("GET", "/api/labs" + langQuery());
  } catch (problem) {
    $("#lab-title").textContent = `${say("unreachable")} ${problem.message}`;
    return;
  }
  renderLabList();
  await loadCourse().catch((problem) => ($("#lessons").textContent = problem.message));
  const wanted = new URLSearchParams(location.search).get("lab");
  selectLab(state.labs.some((lab) => lab.id === wanted) ? wanted : state.labs[0].id);
  // A lab already running (started in another tab, or before a reload): show it.
  const runs = await api("GET", "/api/runs").catch(() => []);
  const running = runs.filter((run) => run.running).pop();
  if (running) {
    selectLab(running.lab);
    watch(running.run, running.lab);
  }
  const query = new URLSearchParams(location.search);
  if (query.get("lesson")) await openLesson(query.get("lesson"));
  if (query.get("exercise")) await openExercise(query.get("exercise"));
}

boot();
