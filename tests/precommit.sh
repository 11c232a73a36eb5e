#!/usr/bin/env bash
# Runs authlint's two pre-commit hooks with the real pre-commit, the way a
# user's `.pre-commit-config.yaml` would, on a scratch git repository: each
# must fail on vulnerable Python and Rust files and pass on a clean one, and
# see a staged file's mistake that only an unstaged module it imports shows.
#   - The `language: rust` hook of this repository (.pre-commit-hooks.yaml):
#     pre-commit builds authlint from the committed repository with
#     `cargo install`.
#   - The `language: python` hook of the pre-commit mirror
#     (pre-commit-mirror/, committed to a scratch repository): pre-commit
#     pip-installs its pin, authlint==<version>, which only the wheel built
#     into dist/ by tests/build-wheel.sh provides (PIP_FIND_LINKS; authlint
#     is never compiled there: PIP_ONLY_BINARY).
#
# Needs python3 (with venv), git and cargo; reaches PyPI and crates.io only
# (pre-commit, maturin, and the mirror's build backend, setuptools). The
# release build takes a few minutes the first time; its artifacts are
# kept in target/precommit-test (override with AUTHLINT_PRECOMMIT_TARGET).
#
# `pre-commit try-repo` builds the repository's HEAD, plus uncommitted
# changes to tracked files: commit or `git add` a new file before testing it.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf '%s\n' "-- precommit.sh: $*"; }

say "creating a virtualenv in $work/venv and installing pre-commit from PyPI"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit
pre_commit="$work/venv/bin/pre-commit"
say "$("$pre_commit" --version)"

say "validating .pre-commit-hooks.yaml and pre-commit-mirror/.pre-commit-hooks.yaml"
"$pre_commit" validate-manifest "$repo/.pre-commit-hooks.yaml"
"$pre_commit" validate-manifest "$repo/pre-commit-mirror/.pre-commit-hooks.yaml"

say "building the wheel the Python hook installs (tests/build-wheel.sh)"
wheel="$(bash "$repo/tests/build-wheel.sh")"
say "$(basename "$wheel")"

# pre-commit's own cache (its clone of the repository and the installed
# hook) lives in the scratch directory, so every run installs afresh.
export PRE_COMMIT_HOME="$work/pre-commit-home"
# `cargo install` inherits the environment: keep its build between runs.
export CARGO_TARGET_DIR="${AUTHLINT_PRECOMMIT_TARGET:-$repo/target/precommit-test}"
# pre-commit must not pick up the surrounding repository's git state.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

scratch="$work/scratch"
mkdir -p "$scratch/app" "$scratch/src"
cat > "$scratch/app/vulnerable.py" <<'PY'
import jwt


def current_user(token, key):
    return jwt.decode(token, key, audience="api", issuer="https://issuer.example", options={"require": ["exp"]})
PY
cat > "$scratch/app/clean.py" <<'PY'
import jwt


def current_user(token, key):
    return jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience="api",
        issuer="https://issuer.example",
        options={"require": ["exp"]},
    )
PY
cat > "$scratch/src/vulnerable.rs" <<'RS'
use jsonwebtoken::EncodingKey;

pub fn signing_key() -> EncodingKey {
    EncodingKey::from_secret(b"precommit-key-not-real-91c2")
}
RS
mkdir -p "$scratch/tests"
cat > "$scratch/tests/test_auth.py" <<'PY'
import jwt


def test_decode(token):
    assert jwt.decode(token, "precommit-key-not-real-3f07", algorithms=["HS256"])
PY
echo "# Notes: jwt.decode(token, key) in prose is not code." > "$scratch/README.md"
# Cross-module: the lifetime of the staged tokens.py comes from a module
# pre-commit does not pass (and git does not even track yet): the hook must
# see it, as a whole-tree run does.
touch "$scratch/app/__init__.py"
cat > "$scratch/app/tokens.py" <<'PY'
from datetime import datetime, timedelta, timezone

import jwt

from app.settings import ACCESS_TOKEN_EXPIRE_MINUTES


def access_token(user_id, key):
    expire = datetime.now(timezone.utc) + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    return jwt.encode({"sub": user_id, "exp": expire}, key, algorithm="RS256")
PY
cat > "$scratch/app/session.py" <<'PY'
from datetime import datetime, timedelta, timezone

import jwt

from app.settings import SESSION_MINUTES


def session_token(user_id, key):
    expire = datetime.now(timezone.utc) + timedelta(minutes=SESSION_MINUTES)
    return jwt.encode({"sub": user_id, "exp": expire}, key, algorithm="RS256")
PY
git -C "$scratch" init -q
git -C "$scratch" add .
cat > "$scratch/app/settings.py" <<'PY'
ACCESS_TOKEN_EXPIRE_MINUTES = 60 * 24 * 8
SESSION_MINUTES = 15
PY

# Runs the hook of $hook_repo on the given files; prints pre-commit's
# output; returns its status.
hook_repo=""
run_hook() {
    local log="$work/hook.log" status=0
    (cd "$scratch" && "$pre_commit" try-repo "$hook_repo" authlint --files "$@") > "$log" 2>&1 || status=$?
    sed 's/^/    | /' "$log"
    cp "$log" "$work/last.log"
    return "$status"
}

failures=0
expect() {
    local expectation="$1" pattern="$2"
    shift 2
    local status=0
    say "pre-commit try-repo $hook_repo authlint --files $* (expect: $expectation)"
    run_hook "$@" || status=$?
    if [ "$expectation" = fail ] && [ "$status" -eq 0 ]; then
        say "FAILED: the hook passed on $*"
        failures=$((failures + 1))
    elif [ "$expectation" != fail ] && [ "$status" -ne 0 ]; then
        say "FAILED: the hook failed (exit $status) on $*"
        failures=$((failures + 1))
    elif ! grep -q -- "$pattern" "$work/last.log"; then
        # A failure must be authlint's finding, not a broken install.
        say "FAILED: the output lacks '$pattern'"
        failures=$((failures + 1))
    else
        say "ok"
    fi
}

expect_all() {
    # The hook prints one concise `path:line:col: CODE message` line per finding.
    expect fail "app/vulnerable.py:5:12: JWT101" app/vulnerable.py
    expect fail "src/vulnerable.rs:4:30: SEC301" src/vulnerable.rs
    expect pass "Passed" app/clean.py
    # The 8-day lifetime is defined in app/settings.py, which is not passed.
    expect fail "app/tokens.py:10:47: JWT204" app/tokens.py
    expect pass "Passed" app/session.py
    # A staged test file is judged as in a whole-tree run: test code, counted, not gated.
    expect pass "Passed" tests/test_auth.py
    # types_or: a markdown file is not given to authlint at all.
    expect pass "no files to check" README.md
}

say "the language: rust hook, built from this repository"
hook_repo="$repo"
expect_all

say "the language: python hook of the mirror, installing the wheel from dist/"
hook_repo="$work/mirror"
cp -R "$repo/pre-commit-mirror" "$hook_repo"
git -C "$hook_repo" init -q
git -C "$hook_repo" add .
git -C "$hook_repo" -c user.name=test -c user.email=test@example.invalid commit -q -m mirror
export PIP_FIND_LINKS="$repo/dist" PIP_ONLY_BINARY=authlint
expect_all

if [ "$failures" -ne 0 ]; then
    say "$failures check(s) failed"
    exit 1
fi
say "all checks passed"
