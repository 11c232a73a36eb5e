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

. tests/editors/lib.sh
if ! need emacs emacs-nox; then
    echo "skipped: emacs is not installed and cannot be installed here"
    exit 0
fi
# Packages (Debian's elpa-* ones included) are activated by package.el.
has_eglot() { emacs --batch -q --eval '(progn (package-initialize) (require (quote eglot)))' >/dev/null 2>&1; }
if ! has_eglot && { ! apt_install elpa-eglot || ! has_eglot; }; then
    echo "skipped: eglot is not available for $(emacs --version | head -1)"
    exit 0
fi
if ! need tmux tmux; then
    echo "skipped: tmux is not installed and cannot be installed here"
    exit 0
fi

scratch_app emacs-screen
# project.el finds the project (eglot's workspace folder) by its VCS root.
git init -q
tmux new-session -d -s "$session" -x 160 -y 45 \
    "AUTHLINT='$authlint' emacs -nw -q --eval '(package-initialize)' -l '$repo/tests/editors/authlint.el' python/app/core/security.py"
# Once flymake counts diagnostics in the mode line, list them, full frame.
asked=no
for _ in $(seq 1 150); do
    tmux capture-pane -p -t "$session" > "$screen"
    if [ "$asked" = no ] && grep -q "Flymake\[[1-9]" "$screen"; then
        tmux send-keys -t "$session" M-x "flymake-show-buffer-diagnostics" Enter
        sleep 1
        tmux send-keys -t "$session" C-x o
        sleep 0.5
        tmux send-keys -t "$session" C-x 1
        asked=yes
    fi
    if grep -q "accepts a token without verifying its signature" "$screen"; then
        cat "$screen"
        echo "ok: $(emacs --version | head -1) with eglot shows authlint's diagnostics"
        exit 0
    fi
    sleep 0.2
done
cat "$screen"
echo "FAILED: no authlint diagnostic on Emacs's screen after 30 s" >&2
exit 1
