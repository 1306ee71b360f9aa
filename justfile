# Workbench tasks. `just --list` shows them.

# The terminal UI: topics, labs, live dashboards.
tui:
    cargo run --release --bin workbench

# The browser dashboard at http://127.0.0.1:7878/.
web *args:
    cargo run --release --bin workbench -- serve {{args}}

# One lab straight to its dashboard, e.g. `just lab zmq-pubsub --rate 5000`.
lab id *args:
    cargo run --release --bin workbench -- lab {{id}} {{args}}

# Every test: unit, end-to-end, TUI, browser, interop (needs what .ci/run installs).
test:
    cargo test --workspace

# Benchmarks: figures and ratios against a reference measured in the same run.
bench:
    cargo bench -p lab-zmq --bench pubsub
    cargo bench -p lab-zmq --bench broker
    cargo bench -p lab-zmq --bench transports
    cargo bench -p lab-sockets --bench echo
    cargo bench -p lab-archive --bench pack
    cargo bench -p lab-testdeps --bench scheduling
    cargo bench -p lab-flashsale --bench sale

# Formatting and lints, as CI wants them.
check:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Refresh the vendored uPlot chart library from the npm registry.
vendor version="1":
    #!/usr/bin/env bash
    set -euo pipefail
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "uplot@{{version}}" > /dev/null && tar xzf uplot-*.tgz)
    cp "$work"/package/dist/uPlot.iife.min.js "$work"/package/dist/uPlot.min.css web/vendor/
    cp "$work"/package/LICENSE web/vendor/uPlot.LICENSE
    version=$(node -p "require('$work/package/package.json').version")
    echo "uPlot $version from the npm registry (package uplot), MIT licence: see uPlot.LICENSE. Refresh with \`just vendor\`." > web/vendor/README.md
    rm -rf "$work"
    echo "web/vendor now holds uPlot $version"
