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
