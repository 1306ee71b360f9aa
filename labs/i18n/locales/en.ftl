# The workbench's messages in English. Every id here is also in zh-CN.ftl, with the same
# values ($name); `cargo test -p lab-i18n` checks that, and that every id is used.

## Choosing the language

note-traditional-chinese = Traditional Chinese is not available yet: showing Simplified Chinese.

## exercise check

check-banner = Checking { $id }: { $title }
check-banner-seed = seed: { $seed }
check-banner-running = running: { $command }
check-pass = PASS
check-fail = FAIL
check-expected = expected:
check-got = got:
check-try = try:
check-first-difference = ^ first difference
check-trace-heading = what happened, in order:
check-earlier-lines = { $count ->
    [one] { $count } earlier line not shown; --verbose shows all
   *[other] { $count } earlier lines not shown; --verbose shows all
}
check-from-checker = [checker]
check-from-program = [your program]
check-from-program-err = [your program err]
check-summary = { $passed } passed, { $failed } failed, score { $score }/{ $max_score } (seed { $seed }: `--seed { $seed }` replays this run)
check-all-pass = All checks pass. Well done!
check-not-yet = Not yet. Stuck? `workbench exercise hint { $id }` reveals a hint.
check-run-of = ──── run { $run } of { $runs } ────
check-repeat-summary = { $passed }/{ $runs } passed
check-failed-seeds = failed with seeds { $seeds }: `--seed <seed>` replays one
check-watching = Watching this folder; the check runs again when a file changes (Ctrl-C to stop).
check-progress-not-saved = warning: progress not saved: { $error }
check-hint-unmatched = warning: { $file } ties a hint to '{ $name }', but no check's name starts so: correct the hint's check there
check-points-unmatched = warning: { $file } gives points to '{ $name }', but no check's name starts so: correct the name there

## workbench lesson

lessons-heading = Lessons (workbench lesson <topic> [--lang en|zh]):
lessons-broken = (broken: { $error })
lesson-not-translated = note: no { $lang } translation of '{ $topic }' yet; showing { $shown }

## workbench exercise list, show, hint, start

exercises-column-id = id
exercises-column-topic = topic
exercises-column-level = level
exercises-column-status = status
exercises-column-attempts = tries
exercises-column-hints = hints
exercises-column-title = title
exercises-show-hint = `workbench exercise show <id>` for the task.
difficulty-easy = easy
difficulty-medium = medium
difficulty-hard = hard
status-passed = passed
status-tried = tried { $attempts }×
status-new = new
hint-numbered = Hint { $number } of { $hints }: { $hint }
hint-last = (that was the last hint)
show-difficulty = **Difficulty:** { $difficulty } · **time limit:** { $seconds } s
show-start-files = **Start files** (`workbench exercise start { $id }` copies them into a new folder):
show-hint = Hint { $number }: { $hint }
show-hints-left = { $count ->
    [one] 1 hint left: `workbench exercise hint { $id }`
   *[other] { $count } hints left: `workbench exercise hint { $id }`
}
show-check-it = **Check it:** `{ $command }`
show-check-file = (it grades `{ $file }` in the folder you run it from and starts no program, so it takes no command)
check-command-program = workbench exercise check { $id } -- <the command that starts your program>
start-kept = kept     { $file } (it exists already)
start-wrote = wrote    { $file }
start-next = Next: edit them, then `{ $command }` from { $folder }
watch-file-changed = ──── a file changed ────

## The terminal UI

tui-home-tagline = labs of real systems: pick one, set its knobs, start it
tui-labs = Labs
tui-parameters = Parameters
tui-keys-editing = type a value · Enter keep · Esc cancel
tui-keys-labs = ↑↓ choose · Tab form · Enter start · l lesson · x exercises · ? help · q quit
tui-keys-form = ↑↓ field · ←→ choice · e edit · d defaults · Enter start · Tab labs · ? help
tui-keys-lesson = ↑↓ PgUp PgDn scroll · n p choose a link · Enter run it · L language · Tab labs
tui-keys-running = s stop · q quit · ↑↓ scroll events · ? help
tui-keys-replayed = q quit · ↑↓ scroll events · ? help
tui-keys-finished = r run again · q back · ↑↓ scroll events · ? help
tui-running = ● running { $elapsed }
tui-finished = ✔ finished { $elapsed }: { $verdict }
tui-failed = ✘ failed { $elapsed }: { $verdict }
tui-per-second = per second:
tui-now = (now)
tui-waiting = waiting for the first snapshot…
tui-totals = totals  /s over the last second
tui-events = events (newest first)
tui-note = note: { $note }
tui-help = Help
tui-help-keys = Keys
tui-help-choose-lab = choose a lab / a parameter
tui-help-tab = switch between the lab list and its form
tui-help-choice = step through a choice
tui-help-edit = type a new value (Enter keeps it, Esc cancels)
tui-help-defaults = back to the defaults
tui-help-start = start the lab with these values
tui-help-lesson = the lesson beside the lab; n p pick a link, Enter runs it
tui-help-language = everything in English ⇄ 中文
tui-help-exercises = the exercises, with your progress and hints
tui-help-quit = quit
tui-help-choose-exercise = choose an exercise
tui-help-hint = reveal the next hint
tui-help-scroll-task = scroll the task
tui-help-back-to-labs = back to the labs
tui-help-stop = stop the lab (it prints its report)
tui-help-run-again = run it again with the same values
tui-help-scroll-events = scroll the event log
tui-help-lesson-beside = the lesson beside the dashboard (PgUp PgDn, n p, Enter)
tui-help-stop-and-back = stop and go back (or quit)
tui-help-ctrl-c = quit at once; labs are stopped cleanly
tui-help-rates = Rates are per second over the last second. Counters only go up.
tui-help-close = Any key closes this help.
tui-lesson = Lesson
tui-lesson-title = Lesson · { $lang }
tui-lesson-keys = PgUp PgDn · ←→ wide lines · n p link · Enter run · L lang · l close
tui-exercises = Exercises
tui-exercises-tagline = exercises: write a program, let the workbench check it
tui-exercise-status = { $status } · attempts { $attempts } · hints used { $hints }
tui-exercises-keys = ↑↓ choose · h reveal a hint · PgUp PgDn scroll · L 中文/English · q back
tui-hints-left = { $count ->
    [one] 1 hint left (press h). Check your work from a shell: `{ $command }`
   *[other] { $count } hints left (press h). Check your work from a shell: `{ $command }`
}

## Labels of the labs' counters, gauges, tables and columns (see lab_i18n::label): each
## part of an id such as `sent/A` or `client-3/replies`. English shows the id itself.

term-sent = sent
term-received = received
term-dropped = dropped
term-filtered = filtered
term-missed = missed
term-recv = recv
term-s = s
term-subscriber = subscriber
term-sub = sub
term-topic = topic
term-topics = topics
term-wants = wants
term-late = late
term-publishers-heard = publishers heard
term-subscribers-joined = subscribers joined
term-subscribers = subscribers
term-unexpected = unexpected
term-client = client
term-clients = clients
term-replies = replies
term-retries = retries
term-gave-up = gave up
term-odd-requests = odd requests
term-served = served
term-stuck = stuck
term-wrong-replies = wrong replies
term-clients-seen = clients seen
term-worker = worker
term-workers = workers
term-through-broker = through broker
term-batch-progress = batch progress %
term-all-batches = all batches
term-results = results
term-speed-up = speed-up
term-tasks = tasks
term-this-batch = this batch
term-time-ms = time ms
term-wrong = wrong
term-odd-messages = odd messages
term-odd-tasks = odd tasks
term-batches = batches
term-tasks-done = tasks done
term-tasks-sent = tasks sent
term-wrong-results = wrong results
term-messages = messages
term-round-trip-p50-s = round trip p50 µs
term-round-trip-p99-s = round trip p99 µs
term-size-b = size B
term-transport = transport
term-transports = transports
term-round-trips = round trips
term-accepts = accepts
term-bytes-in = server: bytes in
term-bytes-out = server: bytes out
term-client-failures = client failures
term-client-timeouts = client timeouts
term-clients-connected = clients connected
term-echoes = echoes received
term-lines-too-long = lines too long
term-listens-refused-address-in-use = listens refused: address in use
term-most-open-at-once = most open at once
term-open-connections = open connections
term-requests = server: lines echoed
term-server-errors = server errors
term-time-wait-sockets = time-wait sockets
term-timeouts = timeouts
term-vanished-mid-line = vanished mid-line
term-wrong-echoes = wrong echoes
term-archive-size-of-the-files = archive size % of the files
term-bytes-packed = bytes packed
term-bytes-unpacked = bytes unpacked
term-bytes = bytes
term-doing = doing
term-file = file
term-files = files
term-from-byte = from byte
term-holds = holds
term-part = part
term-to-byte = to byte
term-files-packed = files packed
term-files-unpacked = files unpacked
term-rounds = rounds
term-layout = layout
term-now = now
term-speed = speed
term-test = test
term-critical-path = critical path
term-tests-error = tests error
term-tests-finished = tests finished
term-tests-passed = tests passed
term-tests-running = tests running
term-tests-skipped = tests skipped
term-busy-retries = busy retries
term-buyers = buyers
term-found = found
term-invariant = invariant
term-stage = stage
term-duplicates-refused-by-the-database = duplicates refused by the database
term-errors = errors
term-offered = offered
term-orders = orders
term-queue-depth = queue depth
term-refused-filtered-429 = refused: filtered (429)
term-refused-not-reserved-403 = refused: not reserved (403)
term-refused-sold-out-409 = refused: sold out (409)
term-sold-out = sold out
term-stock-left = stock left
term-engines = engines
term-engine = engine
term-sweep = sweep
term-orders-s = orders/s
term-oversold = oversold
term-strategies = strategies
term-products = products
term-product = product
term-p99-ms = p99 ms
term-dead-connections-replaced = dead connections replaced
term-orders-written-to-the-database = orders written to the database
term-connections-gone-away-2006 = connections gone away (2006)
term-deadlock-retries = deadlock retries
term-lock-wait-timeouts-1205 = lock wait timeouts (1205)
term-refused-too-many-connections-1040 = refused: too many connections (1040)
term-waiting-for-a-row-lock = waiting for a row lock
term-longest-lock-wait-ms = longest lock wait (ms)
term-row-lock-waits = row lock waits
term-time-waited-for-row-locks-ms = time waited for row locks (ms)
term-connections-open = connections open
term-lock-wait-ms = lock wait ms
term-refused-1040 = refused (1040)
term-funnel = funnel
term-invariants = invariants
term-pending = pending
term-running = running
term-passed = passed
term-failed = failed
term-error = error
term-skipped = skipped
tui-graph-legend = ← depends on · bold: critical path
term-latency = latency
term-round-trip = round trip
term-purchase = purchase

## workbench lab <id> --help

help-usage = Usage: workbench lab { $id } [flags]
help-lab-flags = Lab flags:
help-default = [default: { $value }]
help-run-flags = Run flags:
help-headless = no UI: print one JSON snapshot per line, then a report line (automatic when stdout is not a terminal)
help-duration = stop by itself after this long
help-record = also write the snapshots to a file, for `workbench replay`
help-report = when the run ends, write it as one HTML page (verdict, parameters, charts, tables, events) that opens anywhere without a network
report-title = run report
report-about = Made by workbench { $version }; the run lasted { $seconds } s.
report-passed = Passed:
report-failed = Failed:
report-unfinished = The run did not finish: the recording ends before its report.
report-parameters = Parameters
report-chart = Per second, over the run
report-seconds = seconds since the start
report-totals = Totals
report-latency = Latency
report-events = Events
report-written = report written to { $path }
help-lang = the language of everything shown (default: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)
labs-usage = Usage: workbench lab <id> [--<param> <value>]... [--headless] [--duration <secs>] [--record <file.jsonl>] [--lang en|zh]
labs-heading = Labs:
labs-help-hint = `workbench lab <id> --help` lists a lab's flags.
lang-invalid = invalid value '{ $value }' for --lang: expected en or zh
tui-needs-terminal = the terminal UI needs a terminal; run a lab with `workbench lab <id> --headless`, list them with `workbench list`, or use `workbench serve`
