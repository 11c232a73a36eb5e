#!/usr/bin/env bash
# The Python package end to end. Builds the wheel (tests/build-wheel.sh),
# installs it in a fresh virtualenv with no package index, and checks that
#   - `authlint --version` names the crate's version;
#   - `authlint check --output-format json` on the example app reports what
#     the cargo-built binary reports (the run's elapsed time aside);
#   - `python -m authlint` runs the same binary, also from a
#     `pip install --target` directory;
#   - `uvx authlint@<version>` and `pipx run authlint` run it, taking the
#     wheel from dist/ (uv and pipx from PyPI);
#   - `maturin sdist` makes a source distribution with what a build needs.
# With CI=true (or AUTHLINT_SDIST_INSTALL=1) it also installs that sdist in
# a fresh virtualenv, which compiles authlint from it (about two minutes:
# the dependencies' builds in target/ are reused, authlint itself is not).
#
# Needs python3 (with venv) and cargo; reaches PyPI only, for maturin, uv
# and pipx (and, for the sdist install, pip's isolated build of maturin).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$repo"

say() { printf '%s\n' "-- wheel.sh: $*"; }
fail() {
    say "FAILED: $*"
    exit 1
}

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
example=examples/vulnerable-app

say "the cargo-built binary (cargo build --release), the reference"
cargo build --release --quiet
cp target/release/authlint "$work/cargo-authlint"

# JSON findings of `$1 check` on the example app, without the run's time.
findings() {
    local status=0
    "$@" check "$example" --output-format json > "$work/raw.json" || status=$?
    if [ "$status" -ne 1 ]; then
        fail "$* check $example exited $status, expected 1 (findings)"
    fi
    python3 -c 'import json, sys
report = json.load(open(sys.argv[1]))
del report["summary"]["elapsed_ms"]
print(json.dumps(report, indent=1, sort_keys=True))' "$work/raw.json"
}
findings "$work/cargo-authlint" > "$work/cargo.json"
count="$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/cargo.json")"
if [ "$count" -eq 0 ]; then
    fail "the cargo-built binary found nothing in $example"
fi

# The checks every installed authlint must pass: $1 is the environment's
# directory of scripts, $2 its python.
check_installed() {
    local scripts="$1" python="$2" reported
    reported="$("$scripts/authlint" --version)"
    say "authlint --version: $reported"
    [ "$reported" = "authlint $version" ] || fail "expected 'authlint $version'"

    findings "$scripts/authlint" > "$work/installed.json"
    if ! diff -u "$work/cargo.json" "$work/installed.json" > "$work/diff"; then
        head -40 "$work/diff"
        fail "the installed authlint's JSON differs from the cargo-built binary's"
    fi
    say "authlint check $example: the same $count findings as the cargo-built binary"

    reported="$("$python" -m authlint --version)"
    say "python -m authlint --version: $reported"
    [ "$reported" = "authlint $version" ] || fail "expected 'authlint $version'"
    local status=0
    "$python" -m authlint check "$example" -q > /dev/null || status=$?
    [ "$status" -eq 1 ] || fail "python -m authlint check exited $status, expected authlint's 1 (findings)"
}

wheel="$(bash tests/build-wheel.sh)"
say "built $(basename "$wheel") ($(du -k "$wheel" | cut -f 1) KiB)"
case "$(basename "$wheel")" in
    "authlint-$version-"*) ;;
    *) fail "the wheel's name does not carry the crate's version $version" ;;
esac

say "pip install $(basename "$wheel") in a fresh virtualenv, no index"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
check_installed "$work/venv/bin" "$work/venv/bin/python"

say "pip install --target: python -m authlint runs the binary beside the package"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --target "$work/target-dir" "$wheel"
# Another environment whose own scripts directory has an impostor: the
# package must run the binary installed with it, not the first one it sees.
python3 -m venv "$work/other"
printf '#!/bin/sh\necho "authlint 0.0.0-impostor"\n' > "$work/other/bin/authlint"
chmod +x "$work/other/bin/authlint"
reported="$(PYTHONPATH="$work/target-dir" "$work/other/bin/python" -m authlint --version)"
[ "$reported" = "authlint $version" ] || fail "python -m authlint from --target printed '$reported'"
say "ok: $reported"

say "uvx and pipx run, as the README shows them, from dist/ instead of PyPI"
python3 -m venv "$work/tools"
"$work/tools/bin/python" -m pip install --quiet --disable-pip-version-check uv pipx
reported="$(UV_CACHE_DIR="$work/uv-cache" UV_PYTHON_DOWNLOADS=never \
    "$work/tools/bin/uvx" --no-index --find-links dist "authlint@$version" --version)"
[ "$reported" = "authlint $version" ] || fail "uvx authlint@$version --version printed '$reported'"
say "uvx authlint@$version --version: $reported"
reported="$(PIPX_HOME="$work/pipx-home" PIP_NO_INDEX=1 "$work/tools/bin/pipx" run --spec "$wheel" authlint --version)"
[ "$reported" = "authlint $version" ] || fail "pipx run authlint --version printed '$reported'"
say "pipx run authlint --version: $reported"

say "maturin sdist"
sdist="$(bash tests/build-wheel.sh --sdist "$work/sdist" 2> "$work/sdist.log")" \
    || { cat "$work/sdist.log"; fail "maturin sdist failed"; }
[ "$(basename "$sdist")" = "authlint-$version.tar.gz" ] || fail "unexpected sdist $sdist"
tar -tzf "$sdist" > "$work/sdist-files"
for needed in Cargo.toml Cargo.lock pyproject.toml build.rs src/main.rs rules/JWT101-decode-without-algorithms.toml \
    python/authlint/__main__.py README.md LICENSE; do
    grep -qx "authlint-$version/$needed" "$work/sdist-files" || fail "the sdist lacks $needed"
done
say "ok: $(wc -l < "$work/sdist-files") files, Cargo.lock and the rules among them"

if [ "${CI:-}" = true ] || [ "${AUTHLINT_SDIST_INSTALL:-0}" = 1 ]; then
    say "pip install the sdist in a fresh virtualenv (compiles authlint)"
    python3 -m venv "$work/sdist-venv"
    # Dependencies already built in target/ for the wheel are reused.
    CARGO_TARGET_DIR="$repo/target" "$work/sdist-venv/bin/python" -m pip install --quiet \
        --disable-pip-version-check "$sdist"
    check_installed "$work/sdist-venv/bin" "$work/sdist-venv/bin/python"
else
    say "not installing the sdist (compiles for minutes): CI=true or AUTHLINT_SDIST_INSTALL=1 does"
fi
say "all checks passed"
