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
show-check-it = **Check it:** `workbench exercise check { $id } -- <the command that starts your program>`
start-kept = kept     { $file } (it exists already)
start-wrote = wrote    { $file }
start-next = Next: edit them, then `workbench exercise check { $id } -- <command>` from { $folder }
watch-file-changed = ──── a file changed ────
