#!/usr/bin/env bash
# Builds the authlint wheel for this machine into dist/ with maturin and
# prints its path (maturin's own output goes to stderr); with `--sdist DIR`,
# builds the source distribution into DIR instead. maturin comes from PyPI,
# into a throwaway virtualenv, at the version pyproject.toml's build-system
# asks for. The wheel build reuses target/release: after
# `cargo build --release` it relinks the binary and takes seconds.
#
# tests/wheel.sh, tests/precommit.sh and tests/github-files.sh each call it,
# so each tests the tree as it is, never a wheel left over from before.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mapfile -t requirements < <(python3 -c 'import sys, tomllib
print(*tomllib.load(open(sys.argv[1], "rb"))["build-system"]["requires"], sep="\n")' "$repo/pyproject.toml")
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" >&2
maturin="$work/venv/bin/maturin"

if [ "${1:-}" = --sdist ]; then
    out="$2"
    "$maturin" sdist --manifest-path "$repo/Cargo.toml" --out "$out" >&2
    built=("$out"/authlint-*.tar.gz)
else
    out="$repo/dist"
    rm -f "$out"/authlint-*.whl
    "$maturin" build --release --manifest-path "$repo/Cargo.toml" --out "$out" >&2
    built=("$out"/authlint-*.whl)
fi
if [ "${#built[@]}" -ne 1 ] || [ ! -f "${built[0]}" ]; then
    echo "build-wheel.sh: expected one package in $out, found: ${built[*]}" >&2
    exit 1
fi
echo "${built[0]}"
