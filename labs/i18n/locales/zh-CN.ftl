# 工作台的中文消息。这里的每个 id 在 en.ftl 里也有，用到的值（$name）相同；
# `cargo test -p lab-i18n` 会检查这一点，也会检查每个 id 都有用处。

## 选择语言

note-traditional-chinese = 暂时还没有繁体中文界面，下面用简体中文显示。

## exercise check

check-banner = 正在检查 { $id }：{ $title }
check-banner-seed = 种子：{ $seed }
check-banner-running = 运行：{ $command }
check-pass = 通过
check-fail = 失败
check-expected = 期望：
check-got = 实际：
check-try = 建议：
check-first-difference = ^ 第一处不同
check-trace-heading = 按时间顺序，发生了什么：
check-earlier-lines = 前面还有 { $count } 行没有显示；--verbose 显示全部
check-from-checker = [检查器]
check-from-program = [你的程序]
check-from-program-err = [你的程序 stderr]
check-summary = { $passed } 项通过，{ $failed } 项失败，得分 { $score }/{ $max_score }（种子 { $seed }：`--seed { $seed }` 可以原样重跑这一次）
check-all-pass = 全部检查通过，做得好！
check-not-yet = 还没有通过。卡住了？`workbench exercise hint { $id }` 会给出一条提示。
check-run-of = ──── 第 { $run } 次，共 { $runs } 次 ────
check-repeat-summary = { $runs } 次中 { $passed } 次通过
check-failed-seeds = 失败的种子：{ $seeds }；用 `--seed <种子>` 可以重跑其中一次
check-watching = 正在监视这个文件夹：有文件改动就重新检查（Ctrl-C 停止）。
check-progress-not-saved = 警告：进度没有保存：{ $error }
check-points-unmatched = 警告：{ $file } 给「{ $name }」设了分数，但没有哪项检查的名字以它开头：请在那里改正名字

## workbench lesson

lessons-heading = 课程（workbench lesson <主题> [--lang en|zh]）：
lessons-broken = （文件有误：{ $error }）
lesson-not-translated = 提示：「{ $topic }」还没有 { $lang } 版本，下面显示 { $shown } 版本

## workbench exercise list, show, hint, start

exercises-column-id = 编号
exercises-column-topic = 主题
exercises-column-level = 难度
exercises-column-status = 状态
exercises-column-title = 标题
exercises-show-hint = 用 `workbench exercise show <编号>` 查看题目。
difficulty-easy = 简单
difficulty-medium = 中等
difficulty-hard = 困难
status-passed = 已通过
status-tried = 试过 { $attempts } 次
status-new = 未开始
hint-numbered = 提示 { $number }/{ $hints }：{ $hint }
hint-last = （这已经是最后一条提示）
show-difficulty = **难度：**{ $difficulty } · **时间限制：**{ $seconds } 秒
show-start-files = **起始文件**（`workbench exercise start { $id }` 会把它们复制到一个新文件夹）：
show-hint = 提示 { $number }：{ $hint }
show-hints-left = 还有 { $count } 条提示：`workbench exercise hint { $id }`
show-check-it = **检查：**`workbench exercise check { $id } -- <启动你的程序的命令>`
start-kept = 保留     { $file }（已经存在）
start-wrote = 写入     { $file }
start-next = 下一步：修改这些文件，然后在 { $folder } 里运行 `workbench exercise check { $id } -- <命令>`
watch-file-changed = ──── 有文件改动 ────

## 终端界面

tui-home-tagline = 真实系统的实验：选一个，调好参数，启动它
tui-labs = 实验
tui-parameters = 参数
tui-keys-editing = 输入新值 · Enter 保留 · Esc 取消
tui-keys-labs = ↑↓ 选择 · Tab 参数 · Enter 启动 · l 课程 · x 练习 · ? 帮助 · q 退出
tui-keys-form = ↑↓ 选参数 · ←→ 换选项 · e 编辑 · d 恢复默认 · Enter 启动 · Tab 实验列表 · ? 帮助
tui-keys-lesson = ↑↓ PgUp PgDn 滚动 · n p 选链接 · Enter 运行 · L 语言 · Tab 实验列表
tui-keys-running = s 停止 · q 退出 · ↑↓ 滚动事件 · ? 帮助
tui-keys-replayed = q 退出 · ↑↓ 滚动事件 · ? 帮助
tui-keys-finished = r 再运行一次 · q 返回 · ↑↓ 滚动事件 · ? 帮助
tui-running = ● 运行中 { $elapsed }
tui-finished = ✔ 已结束 { $elapsed }：{ $verdict }
tui-failed = ✘ 未通过 { $elapsed }：{ $verdict }
tui-per-second = 每秒：
tui-now = （当前）
tui-waiting = 等待第一份快照…
tui-totals = 总数  最近一秒的每秒速率
tui-events = 事件（最新的在上）
tui-note = 提示：{ $note }
tui-help = 帮助
tui-help-keys = 按键
tui-help-choose-lab = 选择实验 / 参数
tui-help-tab = 在实验列表和参数表之间切换
tui-help-choice = 逐个切换选项
tui-help-edit = 输入新值（Enter 保留，Esc 取消）
tui-help-defaults = 恢复默认值
tui-help-start = 用这些值启动实验
tui-help-lesson = 在实验旁边打开课程；n p 选链接，Enter 运行
tui-help-language = 整个界面在 English ⇄ 中文 之间切换
tui-help-exercises = 练习，以及你的进度和提示
tui-help-quit = 退出
tui-help-choose-exercise = 选择练习
tui-help-hint = 显示下一条提示
tui-help-scroll-task = 滚动题目
tui-help-back-to-labs = 回到实验列表
tui-help-stop = 停止实验（它会给出报告）
tui-help-run-again = 用同样的参数再运行一次
tui-help-scroll-events = 滚动事件记录
tui-help-lesson-beside = 在仪表盘旁边打开课程（PgUp PgDn、n p、Enter）
tui-help-stop-and-back = 停止并返回（或退出）
tui-help-ctrl-c = 立即退出；实验会被干净地停下
tui-help-rates = 速率是最近一秒内的每秒数量。计数只增不减。
tui-help-close = 按任意键关闭帮助。
tui-lesson = 课程
tui-lesson-title = 课程 · { $lang }
tui-lesson-keys = PgUp PgDn · n p 链接 · Enter 运行 · L 语言 · l 关闭
tui-exercises = 练习
tui-exercises-tagline = 练习：写一个程序，让 workbench 来检查
tui-exercise-status = { $status } · 尝试 { $attempts } 次 · 用过 { $hints } 条提示
tui-exercises-keys = ↑↓ 选择 · h 显示提示 · PgUp PgDn 滚动 · L 中文/English · q 返回
tui-hints-left = 还有 { $count } 条提示（按 h）。在终端里检查你的程序：`workbench exercise check { $id } -- <你的命令>`
