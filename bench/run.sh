#!/usr/bin/env bash
# bench/run.sh: authlint against its peers on the pinned benchmark corpus.
#
#   bench/run.sh            build the corpus if needed, build authlint (release),
#                           install the peers into a temporary virtualenv, run
#                           everything side by side, write bench/RESULTS.md
#
# Environment (all optional):
#   AUTHLINT_BENCH_CACHE    where the corpus and its subsets live
#                           (default ~/.cache/authlint-bench; the corpus is
#                           <cache>/corpus, built by ../shared/bench/make-corpus.sh)
#   AUTHLINT_MAKE_CORPUS    the corpus script (default ../shared/bench/make-corpus.sh)
#   AUTHLINT_BENCH_RUNS     timed runs per command (default 10; semgrep gets 3)
#   AUTHLINT_BENCH_VENV     an existing virtualenv with the pinned peers, to skip
#                           the install (default: a fresh one, deleted afterwards)
#   AUTHLINT_BENCH_OUT      where the markdown goes (default bench/RESULTS.md)
#   AUTHLINT_BENCH_SEMGREP_TIMEOUT, AUTHLINT_BENCH_BANDIT_TIMEOUT
#                           seconds before a peer run counts as a timeout
#                           (default 600 and 1800)
#
# Every timing is wall time on a warm page cache: each command runs once under
# `/usr/bin/time -v` first (peak RSS; that run is also the warm-up), then
# hyperfine times it (a plain timing loop if hyperfine cannot be installed).
# Ratios only mean something between commands of one run of this script, on
# one machine: RESULTS.md records the machine, its load and the versions.
#
# This is not part of CI (.ci/run): it takes minutes and downloads the peers.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${AUTHLINT_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/authlint-bench}
MAKE_CORPUS=${AUTHLINT_MAKE_CORPUS:-$ROOT/../shared/bench/make-corpus.sh}
RUNS=${AUTHLINT_BENCH_RUNS:-10}
SEMGREP_RUNS=3
SEMGREP_TIMEOUT=${AUTHLINT_BENCH_SEMGREP_TIMEOUT:-600}
BANDIT_TIMEOUT=${AUTHLINT_BENCH_BANDIT_TIMEOUT:-1800}
OUT=${AUTHLINT_BENCH_OUT:-$ROOT/bench/RESULTS.md}
VENV=${AUTHLINT_BENCH_VENV:-}

# The peers, pinned so that a rerun measures the same programs.
RUFF_VERSION=0.17.6
SEMGREP_VERSION=1.185.0
BANDIT_VERSION=1.9.4
RG_FLOOR_PATTERN='jwt|jose|secret|token|password'

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authlint-bench.XXXXXX")
trap 'rm -rf -- "$WORK"' EXIT
trap 'exit 130' INT TERM HUP
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# Debian packages the benchmark needs; installed when missing and we may.
apt_install() {
  local sudo=
  [[ $(id -u) -eq 0 ]] || { command -v sudo >/dev/null && sudo=sudo; }
  command -v apt-get >/dev/null || return 1
  [[ $(id -u) -eq 0 || -n $sudo ]] || return 1
  log "installing $* (apt-get)"
  $sudo apt-get install -y "$@" >"$WORK/apt.log" 2>&1 || {
    $sudo apt-get update >>"$WORK/apt.log" 2>&1 && $sudo apt-get install -y "$@" >>"$WORK/apt.log" 2>&1
  }
}

check_tools() {
  command -v python3 >/dev/null || die "python3 is needed"
  command -v cargo >/dev/null || die "cargo is needed"
  [[ -x /usr/bin/time ]] || apt_install time || die "/usr/bin/time (Debian package 'time') is needed for peak RSS"
  command -v rg >/dev/null || apt_install ripgrep || die "ripgrep is needed for the floor (Debian package 'ripgrep')"
  command -v hyperfine >/dev/null || apt_install hyperfine || log "hyperfine unavailable: falling back to a timing loop"
}

build_corpus() {
  [[ -x $MAKE_CORPUS || -f $MAKE_CORPUS ]] || die "corpus script not found: $MAKE_CORPUS (set AUTHLINT_MAKE_CORPUS)"
  log "corpus: $CACHE/corpus (make-corpus.sh returns at once when it is complete)"
  bash "$MAKE_CORPUS" "$CACHE/corpus" > "$WORK/corpus.txt"
  CORPUS=$CACHE/corpus
}

build_authlint() {
  log "building authlint (release)"
  (cd "$ROOT" && cargo build --release --quiet)
  AUTHLINT=${CARGO_TARGET_DIR:-$ROOT/target}/release/authlint
  [[ -x $AUTHLINT ]] || die "no binary at $AUTHLINT"
}

install_peers() {
  if [[ -n $VENV && -x $VENV/bin/ruff && -x $VENV/bin/semgrep && -x $VENV/bin/bandit ]]; then
    log "peers: reusing $VENV"
  else
    VENV=$WORK/venv
    log "peers: installing ruff $RUFF_VERSION, semgrep $SEMGREP_VERSION, bandit $BANDIT_VERSION into a temporary virtualenv"
    python3 -m venv "$VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q \
      "ruff==$RUFF_VERSION" "semgrep==$SEMGREP_VERSION" "bandit==$BANDIT_VERSION" >"$WORK/pip.log" 2>&1 \
      || { tail -n 30 "$WORK/pip.log" >&2; die "pip install of the peers failed"; }
  fi
  export SEMGREP_SEND_METRICS=off SEMGREP_ENABLE_VERSION_CHECK=0
}

# subset SRC DEST N: every Nth file of SRC (in sorted order), hard-linked
# into DEST with the same relative paths, so subsets keep the package layout
# and cost no space. Built once per cache.
subset() {
  local src=$1 dest=$2 n=$3
  [[ -f $dest/.complete ]] && return
  rm -rf -- "$dest"
  python3 - "$src" "$dest" "$n" <<'PY'
import os, shutil, sys
src, dest, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(
    os.path.relpath(os.path.join(root, f), src)
    for root, _, names in os.walk(src)
    for f in names
    if f.endswith((".py", ".rs"))
)
for index, rel in enumerate(files):
    if index % n:
        continue
    target = os.path.join(dest, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(os.path.join(src, rel), target)
    except OSError:
        shutil.copyfile(os.path.join(src, rel), target)
PY
  touch "$dest/.complete"
}

# The files and bytes of source under a directory, for files/s and MB/s.
measure_tree() {
  find "$@" -type f \( -name '*.py' -o -name '*.rs' \) -printf '%s\n' | awk '{ n++; b += $1 } END { printf "%d\t%d\n", n, b }'
}

# measure GROUP NAME DIRS TIMEOUT RUNS -- COMMAND...
# One run under /usr/bin/time -v (peak RSS, warm-up, and a check that the
# command works and finishes within TIMEOUT), then RUNS timed runs. DIRS
# (colon-separated) is what the command reads, for files/s and MB/s.
measure() {
  local group=$1 name=$2 dirs=$3 limit=$4 runs=$5
  shift 6
  local size rc=0 rss first shown
  shown=$(printf '%q ' "$@")
  shown=${shown% }
  # Shown in RESULTS.md without this machine's paths.
  shown=${shown//$VENV\/bin\//}
  shown=${shown//$CACHE/\$CACHE}
  shown=${shown//$ROOT\//}
  IFS=: read -r -a dir_list <<< "$dirs"
  size=$(measure_tree "${dir_list[@]}")
  log "$group: $name"
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$WORK/time.txt" timeout "$limit" "$@" >/dev/null 2>"$WORK/stderr.txt" || rc=$?
  end=$(date +%s.%N)
  first=$(python3 -c "print(f'{$end - $start:.4f}')")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
  if [[ $rc -eq 124 ]]; then
    log "  timed out after $limit s"
    printf '%s\t%s\t%s\ttimeout\t%s\t\t\t0\t%s\t%s\t%s\n' "$group" "$name" "$size" "$limit" "$rss" "$first" "$shown" >> "$RESULTS"
    return
  fi
  if [[ $rc -ne 0 ]]; then
    tail -n 20 "$WORK/stderr.txt" >&2
    die "$name exited with $rc"
  fi
  local json=$WORK/timing.json
  if command -v hyperfine >/dev/null; then
    local quoted
    quoted="timeout $limit$(printf ' %q' "$@")"
    local prepare=()
    [[ -n ${MEASURE_PREPARE:-} ]] && prepare=(--prepare "$MEASURE_PREPARE")
    hyperfine --shell=none --runs "$runs" --warmup 0 --style none "${prepare[@]}" --export-json "$json" -- "$quoted" >/dev/null 2>"$WORK/hyperfine.log" \
      || { cat "$WORK/hyperfine.log" >&2; die "hyperfine failed on $name"; }
  else
    local times=()
    for _ in $(seq "$runs"); do
      [[ -n ${MEASURE_PREPARE:-} ]] && $MEASURE_PREPARE
      start=$(date +%s.%N)
      timeout "$limit" "$@" >/dev/null 2>&1
      end=$(date +%s.%N)
      times+=("$(python3 -c "print($end - $start)")")
    done
    python3 -c 'import json, sys; print(json.dumps({"results": [{"times": [float(t) for t in sys.argv[1:]]}]}))' "${times[@]}" > "$json"
  fi
  python3 - "$json" "$group" "$name" "$size" "$rss" "$first" "$shown" >> "$RESULTS" <<'PY'
import json, statistics, sys
path, group, name, size, rss, first, command = sys.argv[1:]
times = json.load(open(path))["results"][0]["times"]
print("\t".join([group, name, size, "ok", f"{statistics.median(times):.4f}",
                 f"{min(times):.4f}", f"{max(times):.4f}", str(len(times)), rss, first, command]))
PY
}

# big_python FILE MARKED: a 20 MB Python module shaped like protobuf's
# generated code (one long descriptor line per field) with a keyword in code
# (`SECRET_KEY`), so the prefilter passes it. MARKED=marked puts protoc's
# header on top (`# Generated by the protocol buffer compiler.  DO NOT EDIT!`).
big_python() {
  python3 - "$1" "$2" <<'PY'
import sys
path, marked = sys.argv[1], sys.argv[2] == "marked"
with open(path, "w") as f:
    if marked:
        f.write("# -*- coding: utf-8 -*-\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\n"
                "# source: bench/tokens.proto\n")
    f.write("import os\nfrom google.protobuf import descriptor as _descriptor\n\n"
            "SECRET_KEY = os.environ.get('SECRET_KEY')\n"
            "DESCRIPTOR = _descriptor.FileDescriptor(name='bench/tokens.proto', package='bench')\n")
    i = 0
    while f.tell() < 20_000_000:
        f.write(f"_FIELD_{i} = _descriptor.FieldDescriptor(name='access_token_{i}', "
                f"full_name='bench.Session.access_token_{i}', index={i}, number={i + 1}, type=9, cpp_type=9, "
                "label=1, has_default_value=False, default_value=b''.decode('utf-8'), message_type=None, "
                "enum_type=None, containing_type=None, is_extension=False, extension_scope=None, "
                "serialized_options=None, file=DESCRIPTOR)\n")
        i += 1
PY
}

# Files that reached the parser, from authlint's JSON summary.
prefilter_share() {
  local name=$1; shift
  "$AUTHLINT" check "$@" --output-format json --fail-on never --no-cache > "$WORK/summary.json"
  python3 - "$WORK/summary.json" "$name" >> "$WORK/prefilter.tsv" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]
print("\t".join([sys.argv[2], str(summary["files_scanned"]), str(summary["files_parsed"]),
                 str(summary.get("bytes_scanned", "")), str(summary.get("bytes_parsed", "")),
                 str(summary["findings"])]))
PY
}

main() {
  check_tools
  build_corpus
  build_authlint
  install_peers
  local py=$CORPUS/python rs=$CORPUS/rust
  : > "$WORK/prefilter.tsv"
  local load_before
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)

  # The Python half: authlint (whole catalog), ruff's hard-coded-password
  # rules, semgrep with the equivalent JWT rules, and the rg keyword floor.
  measure python authlint "$py" 600 "$RUNS" -- "$AUTHLINT" check "$py" --fail-on never --no-cache
  measure python "ruff (S105-S107)" "$py" 600 "$RUNS" -- \
    "$VENV/bin/ruff" check --no-cache --isolated --exit-zero --select S105,S106,S107 "$py"
  measure python "semgrep (JWT rules)" "$py" "$SEMGREP_TIMEOUT" "$SEMGREP_RUNS" -- \
    "$VENV/bin/semgrep" scan --config "$ROOT/bench/semgrep-rules.yml" --metrics=off \
    --disable-version-check --quiet --no-git-ignore "$py"
  measure python "rg floor" "$py" 600 "$RUNS" -- rg -il "$RG_FLOOR_PATTERN" "$py"

  # The Rust half: authlint and the floor.
  measure rust authlint "$rs" 600 "$RUNS" -- "$AUTHLINT" check "$rs" --fail-on never --no-cache
  measure rust "rg floor" "$rs" 600 "$RUNS" -- rg -il "$RG_FLOOR_PATTERN" "$rs"

  # Warm: the results cache (in this run's scratch directory, not the
  # repository) filled by the first run under /usr/bin/time, then every
  # timed run finds nothing changed.
  measure python "authlint, warm cache" "$py" 600 "$RUNS" -- \
    "$AUTHLINT" check "$py" --fail-on never --cache-dir "$WORK/cache/python"
  measure rust "authlint, warm cache" "$rs" 600 "$RUNS" -- \
    "$AUTHLINT" check "$rs" --fail-on never --cache-dir "$WORK/cache/rust"
  # One file changed: a copy of the Python half made of hard links, with one
  # file with a keyword made a file of its own, edited before each timed run
  # (a module-level assignment appended, its value counting up).
  local edit_tree=$WORK/python-edit edited
  cp -al "$py" "$edit_tree"
  edited=$(cd "$edit_tree" && rg -il --sort path 'secret|token' | head -n 1)
  cp --remove-destination "$py/$edited" "$edit_tree/$edited"
  log "one file changed: $edited"
  MEASURE_PREPARE="python3 $ROOT/bench/touch-file.py $edit_tree/$edited" \
    measure python "authlint, one file changed" "$edit_tree" 600 "$RUNS" -- \
    "$AUTHLINT" check "$edit_tree" --fail-on never --cache-dir "$WORK/cache/python-edit"

  prefilter_share python "$py"
  prefilter_share rust "$rs"

  # Bandit takes minutes on the whole half: once, on every 10th file.
  local slice=$CACHE/subsets/python-1of10
  subset "$py" "$slice" 10
  measure slice authlint "$slice" 600 "$RUNS" -- "$AUTHLINT" check "$slice" --fail-on never --no-cache
  measure slice bandit "$slice" "$BANDIT_TIMEOUT" 1 -- \
    "$VENV/bin/bandit" -r -q --exit-zero -f json -o /dev/null "$slice"

  # Scaling: 1/8, 1/4, 1/2 and all of the corpus (both halves), then the
  # whole corpus on one and two threads.
  local part
  for part in 8 4 2; do
    subset "$py" "$CACHE/subsets/1of$part/python" "$part"
    subset "$rs" "$CACHE/subsets/1of$part/rust" "$part"
    measure scaling "1/$part" "$CACHE/subsets/1of$part" 600 "$RUNS" -- \
      "$AUTHLINT" check "$CACHE/subsets/1of$part/python" "$CACHE/subsets/1of$part/rust" --fail-on never --no-cache
  done
  measure scaling "1/1" "$py:$rs" 600 "$RUNS" -- "$AUTHLINT" check "$py" "$rs" --fail-on never --no-cache
  measure threads "--threads 1" "$py:$rs" 600 "$RUNS" -- "$AUTHLINT" check "$py" "$rs" --fail-on never --no-cache --threads 1
  measure threads "--threads 2" "$py:$rs" 600 "$RUNS" -- "$AUTHLINT" check "$py" "$rs" --fail-on never --no-cache --threads 2

  # One 20 MB generated-looking module, with protoc's header (skipped with a
  # `generated` notice) and without it (parsed and checked, in pieces). The
  # default --max-file-size (5 MB) would skip both, so it is raised.
  local big=$WORK/big
  mkdir -p "$big/marked" "$big/unmarked"
  big_python "$big/marked/tokens_pb2.py" marked
  big_python "$big/unmarked/tokens_pb2.py" unmarked
  measure generated "20 MB, marked generated" "$big/marked" 600 3 -- \
    "$AUTHLINT" check "$big/marked" --fail-on never --max-file-size 33554432 --no-cache
  measure generated "20 MB, not marked" "$big/unmarked" 600 3 -- \
    "$AUTHLINT" check "$big/unmarked" --fail-on never --max-file-size 33554432 --no-cache

  local commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
  python3 "$ROOT/bench/report.py" \
    --results "$RESULTS" --prefilter "$WORK/prefilter.tsv" --corpus "$WORK/corpus.txt" \
    --commit "$commit" --load-before "$load_before" --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --versions "authlint $("$AUTHLINT" --version | awk '{print $2}'); ruff $RUFF_VERSION; semgrep $SEMGREP_VERSION; bandit $BANDIT_VERSION; $(rg --version | head -n1); $(hyperfine --version 2>/dev/null || echo 'no hyperfine: timing loop')" \
    > "$OUT"
  cat "$OUT"
  log "written to $OUT"
}

main "$@"
