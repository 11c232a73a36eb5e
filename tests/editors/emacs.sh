#!/usr/bin/env bash
# Drives Emacs (terminal) with tmux: opens a vulnerable file of the example
# app with eglot and `authlint server` (tests/editors/authlint.el, the
# configuration docs/editors.md gives), lists the buffer's diagnostics with
# flymake and checks that authlint's finding is among them. The screen is
# kept in target/editors/emacs-screen.txt.
#
#   tests/editors/emacs.sh [path/to/authlint]   # default: target/release/authlint
#
# Installs Debian's emacs-nox and elpa-eglot when missing (as root); skips
# with a message, exit 0, when it cannot.
set -euo pipefail
cd "$(dirname "$0")/../.."
authlint=$(realpath "${1:-target/release/authlint}")

installed() { dpkg -s "$1" >/dev/null 2>&1; }
need() {
    installed "$1" && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get install -y -qq "$1" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$1" >/dev/null 2>&1; }) || true
    fi
    installed "$1"
}
if ! command -v emacs >/dev/null 2>&1 && ! need emacs-nox; then
    echo "skipped: emacs is not installed and cannot be installed here"
    exit 0
fi
# Packages (Debian's elpa-* ones included) are activated by package.el.
has_eglot() { emacs --batch -q --eval '(progn (package-initialize) (require (quote eglot)))' >/dev/null 2>&1; }
if ! has_eglot && { ! need elpa-eglot || ! has_eglot; }; then
    echo "skipped: eglot is not available for $(emacs --version | head -1)"
    exit 0
fi
if ! command -v tmux >/dev/null 2>&1 && ! need tmux; then
    echo "skipped: tmux is not installed and cannot be installed here"
    exit 0
fi

scratch=$(mktemp -d)
session="authlint-emacs-$$"
cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT
cp -r examples/vulnerable-app "$scratch/app"
# project.el finds the project (eglot's workspace folder) by its VCS root.
git -C "$scratch/app" init -q
mkdir -p target/editors
screen=target/editors/emacs-screen.txt

cd "$scratch/app"
tmux new-session -d -s "$session" -x 160 -y 45 \
    "AUTHLINT='$authlint' emacs -nw -q --eval '(package-initialize)' -l '$OLDPWD/tests/editors/authlint.el' python/app/core/security.py"
# Once flymake counts diagnostics in the mode line, list them, full frame.
asked=no
for _ in $(seq 1 150); do
    tmux capture-pane -p -t "$session" > "$OLDPWD/$screen"
    if [ "$asked" = no ] && grep -q "Flymake\[[1-9]" "$OLDPWD/$screen"; then
        tmux send-keys -t "$session" M-x "flymake-show-buffer-diagnostics" Enter
        sleep 1
        tmux send-keys -t "$session" C-x o
        sleep 0.5
        tmux send-keys -t "$session" C-x 1
        asked=yes
    fi
    if grep -q "accepts a token without verifying its signature" "$OLDPWD/$screen"; then
        cat "$OLDPWD/$screen"
        echo "ok: $(emacs --version | head -1) with eglot shows authlint's diagnostics"
        exit 0
    fi
    sleep 0.2
done
cat "$OLDPWD/$screen"
echo "FAILED: no authlint diagnostic on Emacs's screen after 30 s" >&2
exit 1
