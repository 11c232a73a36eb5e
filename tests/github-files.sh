#!/usr/bin/env bash
# Checks the files GitHub reads: the workflows (release.yml included) and
# action.yml against check-jsonschema's built-in GitHub schemas (vendored in
# the package, so they work offline), the workflow in
# docs/github-code-scanning.md too; that the action asks only for targets
# release.yml builds; the release scripts (.github/scripts/); and then runs
# the action's steps here (tests/run-action-steps.py) on the example app:
#   - from a release: a scratch copy of the action whose Cargo.toml points
#     at a release made here (a file:// URL) from the wheel of
#     tests/build-wheel.sh; the archive is checked, unpacked and put on PATH;
#   - from the tool cache, with the release gone;
#   - refused when the archive does not match its SHA-256 sum;
#   - built from source with cargo when there is no release (this
#     repository's own Cargo.toml, whose home is a placeholder): SARIF
#     written and valid, annotations printed, gate honoured;
#   - with fail-on left empty (its default), a project whose configuration
#     says fail-on = "error" passes on a warning, and the job summary counts
#     it; fail-on: warning given to the action fails it.
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

say "the action asks only for targets release.yml builds"
"$work/venv/bin/python" - "$repo" <<'PY'
import re, sys
from ruamel.yaml import YAML
repo = sys.argv[1]
release = YAML(typ="safe").load(open(f"{repo}/.github/workflows/release.yml"))
built = {entry["target"] for entry in release["jobs"]["build"]["strategy"]["matrix"]["include"]}
asked = set(re.findall(r"\) target=([\w-]+) ;;", open(f"{repo}/action.yml").read()))
if not asked or asked - built:
    sys.exit(f"the action asks for {sorted(asked)}; release.yml builds {sorted(built)}")
print(f"ok: {len(asked)} targets")
PY

say "release-notes.py: the tag must be the crate's version, the changelog must have its section"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"
notes() { python3 "$repo/.github/scripts/release-notes.py" "$@" > "$work/notes.out" 2>&1; }
printf '# Changelog\n\n## [Unreleased]\n\n## [%s] - 2026-12-01\n\n### Added\n\n- Everything.\n\n## [0.0.1] - 2026-01-01\n\n- Old.\n' \
    "$version" > "$work/CHANGELOG.md"
notes "v$version" "$work/CHANGELOG.md" || { cat "$work/notes.out"; say "FAILED: no notes for v$version"; exit 1; }
if [ "$(cat "$work/notes.out")" != "$(printf '### Added\n\n- Everything.')" ]; then
    say "FAILED: wrong notes for v$version:"; cat "$work/notes.out"; exit 1
fi
printf '# Changelog\n\n## [Unreleased]\n\n- Everything.\n' > "$work/UNRELEASED.md"
if notes "v$version.1" "$work/CHANGELOG.md" || notes "v$version" "$work/UNRELEASED.md"; then
    say "FAILED: release-notes.py accepted another version's tag, or a changelog without the section"
    exit 1
fi
say "ok"

export CARGO_INSTALL_ROOT="$work/cargo-root"
export PATH="$CARGO_INSTALL_ROOT/bin:$PATH"
run_action() { (cd "$repo" && "$work/venv/bin/python" "$repo/tests/run-action-steps.py" "$@"); }
# Runs the action with the given arguments, keeping its log in $work/$1.log;
# prints the log; returns the action's status.
run_logged() {
    local log="$work/$1.log" status=0
    shift
    run_action "$@" > "$log" 2>&1 || status=$?
    sed 's/^/    | /' "$log"
    return "$status"
}

say "a release made here from the wheel, for the action to download"
wheel="$(bash "$repo/tests/build-wheel.sh")"
case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) target=x86_64-unknown-linux-musl ;;
    Linux/aarch64) target=aarch64-unknown-linux-musl ;;
    *) target="" ;;
esac
if [ -z "$target" ]; then
    say "FAILED: no release target for $(uname -s)/$(uname -m) in this test"
    exit 1
fi
home="$work/home/authlint"
# Named as release.yml names the archive for this runner; inside is this
# machine's build, which runs here.
python3 "$repo/.github/scripts/release-archive.py" "$wheel" "$target" "$home/releases/download/v$version"
action="$work/action"
mkdir -p "$action"
cp "$repo/action.yml" "$action/"
sed "s|^repository = .*|repository = \"file://$home\"|" "$repo/Cargo.toml" > "$action/Cargo.toml"

export RUNNER_TOOL_CACHE="$work/tool-cache"
cached="$RUNNER_TOOL_CACHE/authlint/$version/$target/authlint"
status=0
run_logged download "$action" "paths=examples/vulnerable-app/python" "fail-on=error" || status=$?
if [ "$status" -ne 1 ] \
    || ! grep -q "^authlint $version for $target downloaded from file://$home" "$work/download.log" \
    || ! grep -q '^::error file=examples/vulnerable-app/python/' "$work/download.log" \
    || grep -q 'building it from source' "$work/download.log" || [ ! -x "$cached" ] \
    || ! grep -q '^::: not run here: Cache authlint' "$work/download.log"; then
    say "FAILED: expected the release binary, unpacked into $cached and due for the Actions cache, and the gate failing (exit 1, got $status)"
    exit 1
fi

say "the same action again, the release gone: the tool cache serves it"
rm -rf "${work:?}/home"
status=0
run_logged cache "$action" "paths=examples/vulnerable-app/python" "fail-on=never" || status=$?
if [ "$status" -ne 0 ] || ! grep -q "^authlint $version for $target from the cache" "$work/cache.log" \
    || grep -q 'building it from source' "$work/cache.log" \
    || ! grep -q '^::: skipped: Cache authlint' "$work/cache.log"; then
    say "FAILED: expected the cached binary, no build and no new cache entry (exit $status)"
    exit 1
fi

say "inventory: true writes the auth-layer inventory to the job summary"
# run-action-steps.py gives the steps a $GITHUB_STEP_SUMMARY file and prints
# it at the end, each line after `::: summary | `.
status=0
run_logged inventory "$action" "paths=examples/vulnerable-app/python" "fail-on=never" "inventory=true" || status=$?
summary="$work/inventory-summary.md"
sed -n 's/^::: summary | //p' "$work/inventory.log" > "$summary"
if [ "$status" -ne 0 ] || ! grep -q '^# Token inventory' "$summary" \
    || ! grep -q '^```mermaid' "$summary" || ! grep -q 'verify-1' "$summary"; then
    say "FAILED: expected the inventory in the job summary (exit $status)"
    exit 1
fi

say "an archive that does not match its SHA-256 sum is refused, not replaced by a build"
export RUNNER_TOOL_CACHE="$work/tool-cache-2"
python3 "$repo/.github/scripts/release-archive.py" "$wheel" "$target" "$home/releases/download/v$version"
sum_file="$home/releases/download/v$version/authlint-$target.tar.gz.sha256"
# One hex digit changed: the first, 0 ↔ 1 or anything else → 0.
sed 's/^0/x/; s/^[^x]/0/; s/^x/1/' "$sum_file" > "$sum_file.new" && mv "$sum_file.new" "$sum_file"
status=0
run_logged tampered "$action" "paths=examples" "fail-on=never" || status=$?
if [ "$status" -eq 0 ] || ! grep -q "does not match its SHA-256 sum" "$work/tampered.log" \
    || grep -q 'building it from source' "$work/tampered.log" \
    || [ -e "$RUNNER_TOOL_CACHE/authlint/$version/$target/authlint" ]; then
    say "FAILED: expected the action to stop on the checksum, with nothing installed"
    exit 1
fi

say "no release (this repository's placeholder home): built from source with cargo"
export RUNNER_TOOL_CACHE="$work/tool-cache-3"
export CARGO_TARGET_DIR="${AUTHLINT_PRECOMMIT_TARGET:-$repo/target/precommit-test}"
sarif="$work/out/authlint.sarif"
status=0
run_logged run1 "$repo" "paths=examples" "fail-on=never" "sarif-file=$sarif" || status=$?
if [ "$status" -ne 0 ]; then
    say "FAILED: the action failed with fail-on: never (exit $status)"
    exit 1
fi
if ! grep -q '^::error file=examples/' "$work/run1.log" || ! grep -q 'building it from source' "$work/run1.log"; then
    say "FAILED: no annotation for the example app, or no notice of the build from source"
    exit 1
fi
say "check-jsonschema --schemafile tests/data/sarif-schema-2.1.0.json (the action's SARIF log)"
"$check" --schemafile "$repo/tests/data/sarif-schema-2.1.0.json" "$sarif"

status=0
run_logged run2 "$repo" $'paths=examples/vulnerable-app/python\nfixtures/python' "fail-on=error" || status=$?
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
say "an empty fail-on (the default) leaves the gate to the configuration: fail-on = \"error\" passes warnings"
project="$work/fail-on-project"
mkdir -p "$project/app"
printf 'fail-on = "error"\n' > "$project/authlint.toml"
touch "$project/app/__init__.py"
printf 'ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8\n' > "$project/app/settings.py"
cat > "$project/app/tokens.py" <<'PY'
from datetime import datetime, timedelta, timezone

import jwt

from app.settings import ACCESS_TOKEN_EXPIRE_MINUTES


def access_token(user_id, key):
    expire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    return jwt.encode({"sub": user_id, "exp": expire}, key, algorithm="RS256")
PY
status=0
run_logged configured "$repo" "paths=$project" || status=$?
if [ "$status" -ne 0 ] || ! grep -q '^::warning file=.*app/tokens.py,line=10' "$work/configured.log"; then
    say "FAILED: expected the warning annotated and the step passing under the configuration's fail-on = \"error\" (exit $status)"
    exit 1
fi
if ! grep -q '^::: summary | ## authlint' "$work/configured.log" \
    || ! grep -q '^::: summary | | JWT204 | excessive-token-lifetime | 0 | 1 | 0 |' "$work/configured.log"; then
    say "FAILED: no job summary counting the JWT204 warning"
    exit 1
fi
status=0
run_logged overridden "$repo" "paths=$project" "fail-on=warning" || status=$?
if [ "$status" -ne 1 ]; then
    say "FAILED: fail-on: warning given to the action did not fail on the warning (exit $status)"
    exit 1
fi
say "all checks passed"
