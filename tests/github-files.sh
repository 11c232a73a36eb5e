#!/usr/bin/env bash
# Checks the files GitHub reads: the workflows and action.yml against
# check-jsonschema's built-in GitHub schemas (vendored in the package, so
# they work offline), the workflow in docs/github-code-scanning.md too, and
# then runs the action's steps here (tests/run-action-steps.py) on the
# example app: SARIF written and valid, annotations printed, gate honoured.
#
# Installs check-jsonschema from PyPI into a throwaway virtualenv. The
# action's `cargo install` is pointed at a scratch root (nothing lands in
# ~/.cargo/bin) and shares target/precommit-test with tests/precommit.sh.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf '%s\n' "-- github-files.sh: $*"; }

say "creating a virtualenv in $work/venv and installing check-jsonschema from PyPI"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check check-jsonschema
check="$work/venv/bin/check-jsonschema"
say "$("$check" --version)"

say "check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml"
"$check" --builtin-schema vendor.github-workflows "$repo"/.github/workflows/*.yml

say "check-jsonschema --builtin-schema vendor.github-actions action.yml"
"$check" --builtin-schema vendor.github-actions "$repo/action.yml"

# The documented workflow is the first ```yaml block of the page.
docs_workflow="$work/docs-workflow.yml"
awk '/^```yaml$/ { inside = 1; next } inside && /^```$/ { exit } inside { print }' \
    "$repo/docs/github-code-scanning.md" > "$docs_workflow"
if ! grep -q "upload-sarif" "$docs_workflow"; then
    say "FAILED: no workflow with upload-sarif found in docs/github-code-scanning.md"
    exit 1
fi
say "check-jsonschema --builtin-schema vendor.github-workflows (the workflow in docs/github-code-scanning.md)"
"$check" --builtin-schema vendor.github-workflows "$docs_workflow"

say "running the action's steps on the example app"
export CARGO_INSTALL_ROOT="$work/cargo-root"
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
export CARGO_TARGET_DIR="${AUTHLINT_PRECOMMIT_TARGET:-$repo/target/precommit-test}"
run_action() { (cd "$repo" && "$work/venv/bin/python" "$repo/tests/run-action-steps.py" "$repo" "$@"); }

sarif="$work/out/authlint.sarif"
status=0
run_action "paths=examples" "fail-on=never" "sarif-file=$sarif" > "$work/run1.log" 2>&1 || status=$?
sed 's/^/    | /' "$work/run1.log"
if [ "$status" -ne 0 ]; then
    say "FAILED: the action failed with fail-on: never (exit $status)"
    exit 1
fi
if ! grep -q '^::error file=examples/' "$work/run1.log"; then
    say "FAILED: no annotation for the example app"
    exit 1
fi
say "check-jsonschema --schemafile tests/data/sarif-schema-2.1.0.json (the action's SARIF log)"
"$check" --schemafile "$repo/tests/data/sarif-schema-2.1.0.json" "$sarif"

status=0
run_action $'paths=examples/vulnerable-app/python\nfixtures/python' "fail-on=error" > "$work/run2.log" 2>&1 || status=$?
sed 's/^/    | /' "$work/run2.log"
if [ "$status" -eq 0 ]; then
    say "FAILED: the action passed with fail-on: error on vulnerable code"
    exit 1
fi
if ! grep -q '^::: skipped: Write the SARIF log' "$work/run2.log" \
    || ! grep -q '^::error file=fixtures/python/' "$work/run2.log" \
    || ! grep -q '^::error file=examples/vulnerable-app/python/' "$work/run2.log"; then
    say "FAILED: expected no SARIF step and annotations for both newline-separated paths"
    exit 1
fi
say "all checks passed"
