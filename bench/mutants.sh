#!/usr/bin/env bash
# bench/mutants.sh: a mutation score you can rerun.
#
#   bench/mutants.sh FILE... [-- CARGO-TEST-ARGS...]
#
# Mutates each listed source file with cargo-mutants, one change at a time,
# runs `cargo test CARGO-TEST-ARGS` (default: the whole suite) after each,
# and prints how many mutants the tests caught and missed, how many did not
# build (unviable) or ran out of time, then every missed mutant: each is a
# test to write, or an equivalent change to list with the reason.
#
#   bench/mutants.sh src/baseline.rs src/suppress.rs -- --lib --test config
#
# A narrow test selection keeps it affordable: every mutant is a rebuild of
# the crate and of the selected test binaries (about half a minute each on
# two cores), and a mutant missed by the selection may be caught by a test
# outside it; run the whole suite before calling one missed for good.
#
# cargo-mutants (pinned below) is installed from crates.io into
# $AUTHLINT_MUTANTS_CACHE/tools the first time. The tree (tracked and
# untracked, not ignored, files: uncommitted changes included) is copied to
# $AUTHLINT_MUTANTS_CACHE/tree and mutated there in place, building into
# $AUTHLINT_MUTANTS_CACHE/target: your checkout and its target/ are never
# touched, and a second run only rebuilds authlint.
#
# Environment (all optional):
#   AUTHLINT_MUTANTS_CACHE    default ~/.cache/authlint-mutants
#   AUTHLINT_MUTANTS_TIMEOUT  seconds a mutant's tests may take (default:
#                             cargo-mutants derives it from the unmutated run)
#   AUTHLINT_MUTANTS_OUT      also write the figures as markdown to this file
#   AUTHLINT_MUTANTS_ITERATE  1: test again only the mutants the last run did
#                             not catch (cargo-mutants --iterate), e.g. with a
#                             wider test selection
#   AUTHLINT_MUTANTS_RE       only the mutants whose name matches this regular
#                             expression (cargo-mutants --re), e.g. one path
#                             through a large file: 'exit_code|FailOn::fails'
#                             (cargo-mutants 27.1 lists its "delete field"
#                             mutants of the whole file whatever it says)
#
# Not part of CI (.ci/run): it takes from minutes to hours.
set -euo pipefail
export LC_ALL=C

MUTANTS_VERSION=27.1.0
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AUTHLINT_MUTANTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/authlint-mutants}
TOOLS=$CACHE/tools
TREE=$CACHE/tree
OUT_DIR=$CACHE/out

files=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    files+=("$1")
    shift
done
[ "${1:-}" = "--" ] && shift
test_args=("$@")
if [ ${#files[@]} -eq 0 ]; then
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
for file in "${files[@]}"; do
    [ -f "$ROOT/$file" ] || { echo "bench/mutants.sh: no such file: $file" >&2; exit 2; }
done

mutants="$TOOLS/bin/cargo-mutants"
if ! [ -x "$mutants" ] || ! "$mutants" mutants --version 2>/dev/null | grep -q "$MUTANTS_VERSION"; then
    echo "== installing cargo-mutants $MUTANTS_VERSION into $TOOLS" >&2
    cargo install --locked --quiet --root "$TOOLS" --version "$MUTANTS_VERSION" cargo-mutants
fi

echo "== copying the tree to $TREE" >&2
rm -rf "$TREE"
mkdir -p "$TREE"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
    (cd "$ROOT" && tar --null --files-from=- -cf -) | tar -xf - -C "$TREE"

args=(mutants --in-place --dir "$TREE" --no-shuffle --output "$OUT_DIR")
for file in "${files[@]}"; do
    args+=(--file "$file")
done
if [ "${AUTHLINT_MUTANTS_ITERATE:-0}" = 1 ]; then
    args+=(--iterate)
fi
if [ -n "${AUTHLINT_MUTANTS_RE:-}" ]; then
    args+=(--re "$AUTHLINT_MUTANTS_RE")
fi
if [ -n "${AUTHLINT_MUTANTS_TIMEOUT:-}" ]; then
    args+=(--timeout "$AUTHLINT_MUTANTS_TIMEOUT")
fi
if [ ${#test_args[@]} -gt 0 ]; then
    args+=(-- "${test_args[@]}")
fi

echo "== cargo ${args[*]}" >&2
started=$(date +%s)
status=0
CARGO_TARGET_DIR="$CACHE/target" "$mutants" "${args[@]}" || status=$?
elapsed=$(( $(date +%s) - started ))
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: results all
# the same. Anything else (a failing unmutated run, a usage error) is not.
case $status in
    0 | 2 | 3) ;;
    *) echo "bench/mutants.sh: cargo-mutants failed (exit $status); see $OUT_DIR/mutants.out" >&2; exit "$status" ;;
esac

count() {
    if [ -f "$OUT_DIR/mutants.out/$1.txt" ]; then
        grep -c . "$OUT_DIR/mutants.out/$1.txt" || true
    else
        echo 0
    fi
}
caught=$(count caught)
missed=$(count missed)
unviable=$(count unviable)
timeout=$(count timeout)
total=$((caught + missed + unviable + timeout))
commit=$(git -C "$ROOT" rev-parse --short HEAD)
dirty=""
if [ -n "$(git -C "$ROOT" status --porcelain)" ]; then
    dirty=" (with uncommitted changes)"
fi

report() {
    echo "cargo-mutants $MUTANTS_VERSION on authlint $commit$dirty, $(date -u '+%Y-%m-%d %H:%M UTC'), ${elapsed} s"
    echo "files: ${files[*]}${AUTHLINT_MUTANTS_RE:+ (mutants matching '$AUTHLINT_MUTANTS_RE')}"
    echo "tests: cargo test ${test_args[*]:-(the whole suite)}"
    echo
    echo "| mutants | caught | missed | unviable | timeout |"
    echo "|---:|---:|---:|---:|---:|"
    echo "| $total | $caught | $missed | $unviable | $timeout |"
    if [ "$missed" -gt 0 ]; then
        echo
        echo "Missed:"
        echo
        sed 's/^/- /' "$OUT_DIR/mutants.out/missed.txt"
    fi
}
report
if [ -n "${AUTHLINT_MUTANTS_OUT:-}" ]; then
    report > "$AUTHLINT_MUTANTS_OUT"
    echo "== written to $AUTHLINT_MUTANTS_OUT" >&2
fi
