# Shared by the editor scripts in this folder (sourced, not run).

# apt_install PACKAGE: installs a Debian package when running as root with
# apt; true when it is installed afterwards (or already was).
apt_install() {
    if ! dpkg -s "$1" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y -qq "$1" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$1" >/dev/null 2>&1; } || true
    fi
    dpkg -s "$1" >/dev/null 2>&1
}

# need COMMAND PACKAGE: the command is there, or the package that brings it installs.
need() {
    command -v "$1" >/dev/null 2>&1 || { apt_install "$2" && command -v "$1" >/dev/null 2>&1; }
}

# scratch_app NAME: a copy of the example app in $scratch (the working
# directory from then on), removed on exit with the tmux session $session;
# $screen is where the last screen is kept, target/editors/NAME.txt.
scratch_app() {
    repo=$(pwd)
    scratch=$(mktemp -d)
    session="authlint-$1-$$"
    trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$scratch"' EXIT
    cp -r examples/vulnerable-app "$scratch/app"
    mkdir -p target/editors
    screen="$repo/target/editors/$1.txt"
    cd "$scratch/app"
}
