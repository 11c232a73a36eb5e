#!/usr/bin/env bash
# same-findings.sh OLD_AUTHLINT NEW_AUTHLINT DIR...
#
# Runs two authlint binaries over each DIR and fails unless their `findings`
# arrays (JSON output) are identical. Every performance change is checked with
# it on the benchmark corpus: a faster linter that loses a finding is a bug.
# Notices and the summary may differ (the new binary may parse fewer files),
# so only findings are compared; a difference prints a unified diff.
set -euo pipefail
# Both builds run cold, and write no results cache into the trees they read
# (builds without a cache ignore the variable).
export AUTHLINT_NO_CACHE=1
[[ $# -ge 3 ]] || { sed -n '2,8p' "$0" >&2; exit 2; }
old=$1 new=$2; shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/same-findings.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
status=0
for dir in "$@"; do
  for which in old new; do
    bin=${!which}
    # Exit code 1 means "findings"; anything else is a failure worth seeing.
    rc=0; "$bin" check "$dir" --output-format json --fail-on never > "$work/$which.json" || rc=$?
    [[ $rc -eq 0 ]] || { echo "same-findings: $bin exited $rc on $dir" >&2; exit 2; }
    python3 - "$work/$which.json" > "$work/$which.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for f in doc["findings"]:
    print(json.dumps(f, sort_keys=True))
s = doc["summary"]
print(f"# {len(doc['findings'])} findings; {s['files_scanned']} scanned, {s['files_parsed']} parsed", file=sys.stderr)
PY
  done
  if diff -u "$work/old.txt" "$work/new.txt" > "$work/diff"; then
    echo "same findings on $dir: $(wc -l < "$work/new.txt")"
  else
    echo "DIFFERENT findings on $dir:"; cat "$work/diff"; status=1
  fi
done
exit $status
