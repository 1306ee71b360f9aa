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
tui-lesson-keys = PgUp PgDn · ←→ 宽行 · n p 链接 · Enter 运行 · L 语言 · l 关闭
tui-exercises = 练习
tui-exercises-tagline = 练习：写一个程序，让 workbench 来检查
tui-exercise-status = { $status } · 尝试 { $attempts } 次 · 用过 { $hints } 条提示
tui-exercises-keys = ↑↓ 选择 · h 显示提示 · PgUp PgDn 滚动 · L 中文/English · q 返回
tui-hints-left = 还有 { $count } 条提示（按 h）。在终端里检查你的程序：`workbench exercise check { $id } -- <你的命令>`

## 实验的计数器、仪表、表格和列的标签（见 lab_i18n::label）：`sent/A`、`client-3/replies`
## 这类 id 的每一段。

term-sent = 发出
term-received = 收到
term-dropped = 丢弃
term-filtered = 被过滤
term-missed = 错过
term-recv = 收
term-s = 秒
term-subscriber = 订阅者
term-sub = 订阅者
term-topic = 主题
term-topics = 主题
term-wants = 订阅了
term-late = 晚到的订阅者
term-publishers-heard = 听到的发布者
term-subscribers-joined = 加入的订阅者
term-subscribers = 订阅者
term-unexpected = 意外的消息
term-client = 客户端
term-clients = 客户端
term-replies = 回复
term-retries = 重发
term-gave-up = 放弃
term-odd-requests = 格式不对的请求
term-served = 已处理
term-stuck = 卡住
term-wrong-replies = 错误的回复
term-clients-seen = 见过的客户端
term-worker = 工作者
term-workers = 工作者
term-through-broker = 经过代理
term-batch-progress = 批次进度 %
term-all-batches = 全部批次
term-results = 结果
term-speed-up = 加速比
term-tasks = 任务
term-this-batch = 本批次
term-time-ms = 用时 ms
term-wrong = 错误
term-odd-messages = 格式不对的消息
term-odd-tasks = 格式不对的任务
term-batches = 批次
term-tasks-done = 完成的任务
term-tasks-sent = 发出的任务
term-wrong-results = 错误的结果
term-messages = 消息
term-round-trip-p50-s = 往返 p50 µs
term-round-trip-p99-s = 往返 p99 µs
term-size-b = 大小 B
term-transport = 传输方式
term-transports = 传输方式
term-round-trips = 往返
term-accepts = 接受的连接
term-bytes-in = 收到的字节
term-bytes-out = 发出的字节
term-client-failures = 客户端失败
term-client-timeouts = 客户端超时
term-clients-connected = 已连接的客户端
term-echoes = 回显
term-lines-too-long = 过长的行
term-most-open-at-once = 同时打开最多
term-open-connections = 打开的连接
term-requests = 请求
term-server-errors = 服务器错误
term-time-wait-sockets = TIME_WAIT 套接字
term-timeouts = 超时
term-vanished-mid-line = 一行没发完就断开
term-wrong-echoes = 错误的回显
term-archive-size-of-the-files = 归档大小占文件的 %
term-bytes-packed = 已打包的字节
term-bytes-unpacked = 已解包的字节
term-bytes = 字节
term-doing = 正在做
term-file = 文件
term-files = 文件
term-from-byte = 起始字节
term-holds = 内容
term-part = 部分
term-to-byte = 结束字节
term-files-packed = 已打包的文件
term-files-unpacked = 已解包的文件
term-rounds = 轮
term-layout = 布局
term-now = 当前
term-speed = 速度
term-test = 测试
term-critical-path = 关键路径
term-tests-error = 出错的测试
term-tests-finished = 完成的测试
term-tests-passed = 通过的测试
term-tests-running = 运行中的测试
term-tests-skipped = 跳过的测试
term-busy-retries = 数据库忙时的重试
term-buyers = 买家
term-found = 检查结果
term-invariant = 不变量
term-stage = 阶段
term-duplicates-refused-by-the-database = 被数据库拒绝的重复订单
term-errors = 错误
term-offered = 来到的买家
term-orders = 订单
term-queue-depth = 队列长度
term-refused-filtered-429 = 被过滤拒绝（429）
term-refused-not-reserved-403 = 没有预约被拒（403）
term-refused-sold-out-409 = 售罄被拒（409）
term-sold-out = 售罄
term-stock-left = 剩余库存
term-funnel = 漏斗
term-invariants = 不变量
term-pending = 等待中
term-running = 运行中
term-passed = 通过
term-failed = 失败
term-error = 出错
term-skipped = 跳过
tui-graph-legend = ← 依赖于 · 粗体：关键路径
term-latency = 延迟
term-round-trip = 往返
term-purchase = 一次购买

## 实验自己的文字：标题、简介和每个参数的说明。英文写在各实验的代码旁边（LabInfo、
## ParamSpec），这里是它们的中文，键是 lab-<实验>-title / -summary 和 param-<实验>-<参数>。
## workbench 的注册表测试会检查每个实验、每个参数都有中文，而且这里没有多余的键。

lab-zmq-pubsub-title = ZeroMQ 发布/订阅
lab-zmq-pubsub-summary = 发布者把各个主题的消息扇出给订阅者：按前缀过滤、晚加入的订阅者、到达高水位线时丢弃消息。
param-zmq-pubsub-role = both：发布者和订阅者都在这个进程里；publisher 或 subscriber：只做一端，另一端留给别的程序
param-zmq-pubsub-transport = 配合 --role both：发布者和订阅者之间怎么通信（回环地址上空闲端口的 tcp、一个 unix 套接字文件，或进程内）
param-zmq-pubsub-bind = 配合 --role publisher：PUB 套接字绑定的端点（可重复给出，或用逗号分隔多个）
param-zmq-pubsub-connect = 配合 --role subscriber：要连接的发布者（一个订阅者可以连接多个）
param-zmq-pubsub-topics = 发布者轮流发送的主题
param-zmq-pubsub-subscribe = 要订阅的主题前缀，* 表示全部；配合 --role both 时，第 N 个订阅者取第 N 个前缀（轮流）
param-zmq-pubsub-subscribers = 配合 --role both：和发布者一起启动的订阅者个数
param-zmq-pubsub-late-joiner = 配合 --role both：过这么多秒后再连上一个（订阅全部的）订阅者，看它错过了哪些消息；0 表示没有
param-zmq-pubsub-rate = 所有主题合计每秒发送的消息数；0 表示尽可能快
param-zmq-pubsub-size = 每条消息的负载字节数（至少是约 45 字节的消息头）
param-zmq-pubsub-hwm = 高水位线：每个订阅者最多排队的消息数，超过后发布者丢弃（0：不限）
param-zmq-pubsub-slow-subscriber = 配合 --role both：订阅者 1 处理每条消息花的微秒数，用来塞满它的队列、演示丢弃
param-zmq-pubsub-messages = 发送（发布者）或收到（订阅者）这么多条消息后停止；0：直到被停止

lab-zmq-reqrep-title = ZeroMQ 请求/应答
lab-zmq-reqrep-summary = REQ 客户端提问，REP 服务器一次回答一个：往返时间、公平轮转、卡住的 REQ，以及“懒惰海盗”重试。
param-zmq-reqrep-role = both：服务器和客户端都在这个进程里；server 或 client：只做一端，另一端留给别的程序
param-zmq-reqrep-transport = 配合 --role both：客户端和服务器之间怎么通信
param-zmq-reqrep-bind = 配合 --role server：REP 套接字绑定的端点（可重复给出多个，比如同时用 tcp 和 ipc）
param-zmq-reqrep-connect = 配合 --role client：要连接的服务器（请求轮流发给它们）
param-zmq-reqrep-work = 服务器处理每个请求花的微秒数（这期间其他人都在等）
param-zmq-reqrep-drop-every = 配合 --role server 或 both：每 N 个请求丢掉一个，就像崩溃了一样（0：从不）
param-zmq-reqrep-concurrency = REQ 客户端个数，每个都有自己的套接字
param-zmq-reqrep-requests = 每个客户端发送的请求数；0：直到被停止
param-zmq-reqrep-reply-prefix = 服务器（或每个工作者）放在请求前面、拼成应答的内容
param-zmq-reqrep-size = 每个请求的字节数
param-zmq-reqrep-timeout = 客户端等待应答的毫秒数，超时就重新连接再问一次（懒惰海盗）；0：一直等下去（严格模式）
param-zmq-reqrep-retries = 第一次之后再试几次，客户端才放弃这个请求

lab-zmq-broker-title = ZeroMQ 请求/应答代理
lab-zmq-broker-summary = 位于 REQ 客户端和 REP 工作者之间的 ROUTER/DEALER 代理：请求分散到各个工作者，谁也不必等一个正忙的工作者。
param-zmq-broker-role = both：代理、工作者和客户端都在这里；broker、worker 或 client：只做其中一部分，其余留给别的程序
param-zmq-broker-frontend = 配合 --role broker：面向客户端的 ROUTER 绑定的地址
param-zmq-broker-backend = 配合 --role broker：面向工作者的 DEALER 绑定的地址
param-zmq-broker-connect = 配合 --role worker：代理的后端；配合 --role client：代理的前端（tcp://127.0.0.1:5559）
param-zmq-broker-workers = 配合 --role both 或 worker：REP 工作者个数
param-zmq-broker-work = 工作者处理每个请求花的微秒数
param-zmq-broker-concurrency = REQ 客户端个数，每个都有自己的套接字
param-zmq-broker-requests = 每个客户端发送的请求数；0：直到被停止
param-zmq-broker-reply-prefix = 服务器（或每个工作者）放在请求前面、拼成应答的内容
param-zmq-broker-size = 每个请求的字节数
param-zmq-broker-timeout = 客户端等待应答的毫秒数，超时就重新连接再问一次（懒惰海盗）；0：一直等下去（严格模式）
param-zmq-broker-retries = 第一次之后再试几次，客户端才放弃这个请求

lab-zmq-pipeline-title = ZeroMQ 流水线
lab-zmq-pipeline-summary = 分发者把任务 PUSH 给工作者，工作者把结果 PUSH 给汇总者，一批做完后汇总者 PUB 出 KILL：轮流分配、加速比、每批用时。
param-zmq-pipeline-role = both：所有部分都在这里，依次用 1、2、4 … 个工作者各跑一批；ventilator、worker 或 sink：只做其中一部分，其余留给别的程序
param-zmq-pipeline-bind = 配合 --role ventilator：给工作者的 PUSH 绑定的地址（tcp://127.0.0.1:5557）；配合 --role sink：收结果的 PULL 绑定的地址（tcp://127.0.0.1:5558）
param-zmq-pipeline-connect = 配合 --role worker：分发者的地址
param-zmq-pipeline-sink = 配合 --role ventilator 或 worker：汇总者的 PULL
param-zmq-pipeline-control = 汇总者用来说 KILL 的 PUB：汇总者绑定，工作者连接
param-zmq-pipeline-tasks = 一批里的任务数（没被告知数量的汇总者就等这么多）
param-zmq-pipeline-work-ms = 每个任务占用工作者的毫秒数
param-zmq-pipeline-workers = 配合 --role worker：工作线程数；配合 --role both：最多的工作者数（各批依次用 1、2、4 … 直到这个数）
param-zmq-pipeline-wait-workers = 配合 --role ventilator：发送前先等这么多个工作者（最先连上的工作者会拿到其他人到来之前发出的全部任务）
param-zmq-pipeline-batches = 配合 --role sink：收集的批数，每批之后发一次 KILL；0：直到被停止

lab-zmq-transports-title = ZeroMQ 传输方式对比
lab-zmq-transports-summary = 同样的 PUSH/PULL 消息流和 REQ/REP 往返，分别走 inproc、ipc 和 tcp，按消息大小对比：每秒消息数和往返时间的百分位并排列出。
param-zmq-transports-transports = 要对比的传输方式，按顺序：inproc、ipc、tcp
param-zmq-transports-sizes = 消息大小，单位字节
param-zmq-transports-hwm = 流式套接字的高水位线，单位是消息条数（大消息要设低一些，最多 64 MiB）；设得小，发送方就更常停下来等接收方
param-zmq-transports-time-ms = 每项测量运行的毫秒数（每种传输方式、每种大小，吞吐和往返各测一次）

lab-socket-echo-title = 套接字回显服务器的六种模型
lab-socket-echo-summary = 同一个按行回显的服务用六种方式写成（blocking、select、epoll、tokio、threads、fork），面对同一群客户端：谁会卡住，谁能扩展。
param-socket-echo-role = both：服务器和那群客户端都在这里；server：一直服务到被停止（给 nc、PHP 或你自己的客户端用）；client：让那群客户端去连另一个服务器
param-socket-echo-model = 服务器怎样同时等待许多客户端
param-socket-echo-compare = 用同样的负载把每种模型依次跑一遍，并列成表
param-socket-echo-bind = 配合 --role server 或 both：服务器监听的地址
param-socket-echo-connect = 配合 --role client：要连接的服务器
param-socket-echo-clients = 同时连接的客户端数，每个都有自己的连接
param-socket-echo-messages = 每个客户端发送的行数，每发一行都等它的回显
param-socket-echo-size = 每行的字节数，包括换行符
param-socket-echo-max-line = 服务器能接受的最长一行；更长的行会收到一行错误信息，连接随后关闭
param-socket-echo-read-timeout = 毫秒数：客户端沉默这么久，服务器就关掉它；回显迟到这么久，客户端就放弃；0：一直等
param-socket-echo-write-timeout = 毫秒数：写出的数据对方这么久一点也不收，就放弃它；0：一直等
param-socket-echo-slow-clients = 额外的、什么也不发的连接：一个沉默的客户端会卡住哪些模型？
param-socket-echo-no-reuseaddr = 监听时不设 SO_REUSEADDR：旧连接还停在 TIME_WAIT 时，重启会失败

lab-archive-title = 打包和解包 Phar
lab-archive-summary = 把一个目录打包成一个能自己运行的 PHP 归档（或 zip、tar、tar.gz），再解包回来：每秒文件数、MB/s、压缩效果，以及 stub、清单、内容和签名在文件中的位置。
param-archive-dir = 要打包的目录（默认：生成的一个 PHP 应用）
param-archive-files = 不给 --dir 时：生成的应用有多少个文件
param-archive-format = 归档格式
param-archive-compress = phar：每个文件怎样压缩（zip 用 deflate，tar.gz 把整个归档 gzip）
param-archive-sign = phar：给归档签名用的哈希
param-archive-rounds = 打包再解包的轮数；0：直到被停止

lab-test-deps-title = 相互依赖的测试，实时的依赖图
lab-test-deps-summary = 测试之间相互依赖的套件按依赖顺序运行，互不依赖的测试并排运行：看着依赖图一点点填满、一次失败引起的跳过层层传开，关键路径显现出来。
param-test-deps-suite = 要运行的套件文件（TOML）；不给时运行一个示例
param-test-deps-example = 不给 --suite 时：cascade（一家商店的测试，带一个故意的失败）或 echo（针对 workbench 自己的回显服务器）
param-test-deps-jobs = 同时运行的测试数

lab-flash-sale-title = SQLite 上的秒杀
lab-flash-sale-summary = 几千个买家抢几百件商品：看朴素的购买怎样超卖，长事务怎样让所有人停下来等，带条件的更新和排队又怎样守住库存；每次抢购之后都检查不变量。
param-flash-sale-strategy = naive（读、等、写：会超卖）、transaction（在往返期间一直持有锁）、guarded（一条带条件的 UPDATE）、queue（一个写入者，成组提交）
param-flash-sale-compare = 用同样的负载把每种策略依次跑一遍，并列成表
param-flash-sale-filters = 依次生效的准入过滤器：random:P、threshold:K、waves:N/T、token-bucket:R、reservation、captcha:MS、one-per-user、sold-out
param-flash-sale-plot = 配合 --compare：把对比结果也画进这个 SVG 文件
param-flash-sale-users = 买家人数
param-flash-sale-workers = 为买家服务的线程数，每个线程有自己的连接
param-flash-sale-stock = 每种商品的库存件数
param-flash-sale-products = 商品种数：一件爆款加上若干普通商品（五分之一的买家要普通商品）
param-flash-sale-rtt = 客户端到数据库一次往返的毫秒数，花在真实客户端会等待的地方
param-flash-sale-arrival = burst：所有人同时到；ramp：越来越快；steady：在 --spread 时间内均匀到达
param-flash-sale-spread = ramp 或 steady 到达方式持续的秒数
param-flash-sale-bots = 机器人买家的百分比：售罄后它们立刻再试，一共试五次
param-flash-sale-conn = pool：每个工作线程一个连接；per-request：每次购买都新建连接
param-flash-sale-synchronous = normal：程序崩溃时已提交的事务不会丢；full：每次提交都做一次 fsync
param-flash-sale-serve = 在这个地址（127.0.0.1:8080）上提供 POST /buy 和 GET /stats，代替内置的买家，直到被停止
param-flash-sale-db = SQLite 文件（默认：一个新的临时文件）；它会先被清空
param-flash-sale-check-db = 只审计这个库存库（某次运行留下的，被杀掉的也行），报告不变量

## workbench lab <id> --help

help-usage = 用法：workbench lab { $id } [参数]
help-lab-flags = 实验参数：
help-default = [默认：{ $value }]
help-run-flags = 运行参数：
help-headless = 不要界面：每行打印一份 JSON 快照，最后一行是报告（标准输出不是终端时自动如此）
help-duration = 运行这么久之后自己停下
help-record = 同时把快照写进一个文件，供 `workbench replay` 回放
help-lang = 显示所用的语言（默认取自 LANGUAGE、LC_ALL、LC_MESSAGES、LANG）
labs-usage = 用法：workbench lab <实验> [--<参数> <值>]... [--headless] [--duration <秒>] [--record <文件.jsonl>] [--lang en|zh]
labs-heading = 实验：
labs-help-hint = `workbench lab <实验> --help` 列出一个实验的参数。
lang-invalid = --lang 的值「{ $value }」无效：应为 en 或 zh
