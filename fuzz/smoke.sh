#!/usr/bin/env bash
# A short fuzzing run of every target: seeds the corpora, builds the
# instrumented targets and runs each for a sixth of the seconds given
# (default 60). Installs cargo-fuzz if it is missing; RUSTC_BOOTSTRAP=1 lets
# a stable toolchain accept the nightly flags cargo-fuzz passes. A crash
# stops the script with a non-zero status and leaves the input under
# fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
total=${1:-60}
if ! cargo fuzz --version > /dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
./seed.sh
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for target in python rust rule_file rule_structure config project; do
    echo "== fuzz $target for $((total / 6)) s"
    # `project` runs Linter::run, whose rayon workers exit after the run
    # returns, asynchronously: LeakSanitizer then counts their thread-local
    # parsers as leaked. Every other check (panics, internal errors,
    # positions, ASan memory errors, timeouts) stays on.
    leaks=()
    [ "$target" = project ] && leaks=(-detect_leaks=0)
    cargo fuzz run -O "$target" -- -max_total_time=$((total / 6)) -rss_limit_mb=4096 -timeout=60 "${leaks[@]}"
done
