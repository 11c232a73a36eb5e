#!/usr/bin/env bash
# Drives Neovim with tmux: opens a vulnerable file of the example app with
# `authlint server` as its language server (tests/editors/authlint.lua, the
# configuration docs/editors.md gives) and checks that the screen shows the
# finding. The screen is kept in target/editors/neovim-screen.txt.
#
#   tests/editors/neovim.sh [path/to/authlint]   # default: target/release/authlint
#
# Installs Debian's neovim when it is missing (as root); skips with a
# message, exit 0, when it cannot.
set -euo pipefail
cd "$(dirname "$0")/../.."
authlint=$(realpath "${1:-target/release/authlint}")

. tests/editors/lib.sh
if ! need nvim neovim || ! need tmux tmux; then
    echo "skipped: neovim or tmux is not installed and cannot be installed here"
    exit 0
fi

scratch_app neovim-screen
tmux new-session -d -s "$session" -x 160 -y 40 \
    "AUTHLINT='$authlint' nvim -n -u '$repo/tests/editors/authlint.lua' python/app/core/security.py"
# The message of JWT105 on `jwt.decode(token, options={"verify_signature": False})`.
for _ in $(seq 1 100); do
    tmux capture-pane -p -t "$session" > "$screen"
    if grep -q "accepts a token without verifying its signature" "$screen"; then
        cat "$screen"
        echo "ok: $(nvim --version | head -1) shows authlint's diagnostic"
        exit 0
    fi
    sleep 0.2
done
cat "$screen"
echo "FAILED: no authlint diagnostic on Neovim's screen after 20 s" >&2
exit 1
