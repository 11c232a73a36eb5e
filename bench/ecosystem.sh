#!/usr/bin/env bash
# ecosystem.sh OLD_AUTHLINT NEW_AUTHLINT DIR...
#
# The ecosystem check: runs two authlint builds over real applications and
# prints every finding that appeared or disappeared, grouped by rule and then
# by application, followed by a summary table (per rule, per application).
# DIR is a checkout root holding owner+name directories (as written by
# bench/ecosystem-checkout.sh), or one application's directory; give several.
#
# Exit status: 0 both builds report the same findings, 1 they differ,
# 2 either build failed on some application (crash, exit code other than 0,
# output that is not a JSON report); that application is listed, not skipped.
#
# Each build runs from inside the application as
#   authlint check . --output-format json --fail-on never $AUTHLINT_ECO_ARGS
# so paths are relative to the application. AUTHLINT_ECO_ARGS (split on
# spaces) goes to both builds; AUTHLINT_ECO_TIMEOUT (seconds, default 600)
# bounds one run. Findings compare on (rule, path, line, column, message);
# authlint already redacts secrets in messages.
#
# The whole check, from nothing:
#   1. bring in each repository of bench/ecosystem.txt with the session's
#      `fetch` tool (github:owner/name -> /work/.mirror/owner+name/repo);
#   2. bench/ecosystem-checkout.sh /work/eco     (check out the listed commits)
#   3. git stash / checkout the old commit; cargo build --release;
#      cp target/release/authlint /tmp/authlint-old; back to the change;
#      cargo build --release
#   4. bench/ecosystem.sh /tmp/authlint-old target/release/authlint /work/eco
# Read every finding it prints before calling a rule change done.
set -euo pipefail
# Both builds run cold, and write no results cache into the trees they read
# (builds without a cache ignore the variable).
export AUTHLINT_NO_CACHE=1
[[ $# -ge 3 ]] || { sed -n '2,29p' "$0" >&2; exit 2; }
resolve() { # an absolute path to a binary, since each run changes directory
  local path
  path=$(command -v -- "$1") || { echo "ecosystem: no binary $1" >&2; exit 2; }
  [[ $path == /* ]] || path=$PWD/$path
  printf '%s\n' "$path"
}
declare -A bin=([old]=$(resolve "$1") [new]=$(resolve "$2")); shift 2
read -r -a extra <<< "${AUTHLINT_ECO_ARGS:-}"
timeout_s=${AUTHLINT_ECO_TIMEOUT:-600}
work=$(mktemp -d "${TMPDIR:-/tmp}/ecosystem.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

# The applications: a directory of owner+name checkouts, or an application.
apps=()
for dir in "$@"; do
  [[ -d $dir ]] || { echo "ecosystem: $dir is not a directory" >&2; exit 2; }
  dir=$(cd -- "$dir" && pwd)
  found=0
  if [[ $(basename -- "$dir") != *+* ]]; then
    for sub in "$dir"/*+*/; do
      [[ -d $sub ]] || continue
      apps+=("${sub%/}"); found=1
    done
  fi
  [[ $found -eq 1 ]] || apps+=("$dir")
done

for i in "${!apps[@]}"; do
  app=${apps[$i]}
  basename -- "$app" >> "$work/apps"
  for which in old new; do
    rc=0
    (cd -- "$app" && timeout "$timeout_s" "${bin[$which]}" check . --output-format json --fail-on never \
        ${extra[@]+"${extra[@]}"}) > "$work/$i.$which.json" 2> "$work/$i.$which.err" || rc=$?
    echo "$rc" > "$work/$i.$which.rc"
  done
done

python3 - "$work" <<'PY'
import collections, json, sys

work = sys.argv[1]
apps = open(f"{work}/apps").read().split("\n")[:-1]

def load(i, which):
    """(findings as a Counter of keys, None) or (None, why the run failed)."""
    rc = int(open(f"{work}/{i}.{which}.rc").read())
    err = open(f"{work}/{i}.{which}.err", errors="replace").read().strip()
    try:
        doc = json.load(open(f"{work}/{i}.{which}.json"))
        findings = doc["findings"]
    except (ValueError, KeyError, TypeError) as e:
        return None, f"exit {rc}, no JSON report ({e}); stderr: {err[-300:] or '(empty)'}"
    if rc != 0:
        notices = [f"{n.get('kind')} {n.get('path')}: {n.get('message')}"
                   for n in doc.get("notices", []) if n.get("kind") == "internal-error"]
        why = "; ".join(notices) or err[-300:] or "(no message)"
        return None, f"exit {rc}{' (timeout)' if rc == 124 else ''}: {why}"
    keys = collections.Counter(
        (f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in findings)
    return keys, None

# changes[rule][app] = [(sign, key)], counts per rule and per app
changes = collections.defaultdict(lambda: collections.defaultdict(list))
per_app, failures = {}, {}
for i, app in enumerate(apps):
    (old, old_err), (new, new_err) = load(i, "old"), load(i, "new")
    if old_err or new_err:
        failures[app] = [f"{w}: {e}" for w, e in (("old", old_err), ("new", new_err)) if e]
        continue
    added, removed = new - old, old - new
    for sign, diff in (("+", added), ("-", removed)):
        for key, n in diff.items():
            changes[key[0]][app].extend([(sign, key)] * n)
    per_app[app] = (sum(old.values()), sum(new.values()),
                    sum(added.values()), sum(removed.values()))

for rule in sorted(changes):
    by_app = changes[rule]
    plus = sum(s == "+" for rows in by_app.values() for s, _ in rows)
    print(f"\n## {rule} (+{plus} -{sum(map(len, by_app.values())) - plus})")
    for app in sorted(by_app):
        print(f"### {app}")
        for sign, (_, path, line, col, msg) in sorted(by_app[app], key=lambda r: (r[1][1:4], r[0] == "+")):
            print(f"{sign} {path}:{line}:{col}: {msg}")

if failures:
    print("\n## Failures (an application where a build did not finish cleanly)")
    for app, why in failures.items():
        for line in why:
            print(f"- {app}: {line}")

def table(title, head, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if h in ("rule", "application", "status") else "---:" for h in head) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")

total_plus = sum(a for _, _, a, _ in per_app.values())
total_minus = sum(r for _, _, _, r in per_app.values())
changed = sum(1 for v in per_app.values() if v[2] or v[3])
print(f"\n# Ecosystem check: +{total_plus} -{total_minus} findings in {changed} of "
      f"{len(apps)} applications; {len(per_app) - changed} unchanged, {len(failures)} failed")
if changes:
    rows = []
    for rule in sorted(changes):
        signs = [s for rows_ in changes[rule].values() for s, _ in rows_]
        rows.append((rule, f"+{signs.count('+')}", f"-{signs.count('-')}", len(changes[rule])))
    rows.append(("total", f"+{total_plus}", f"-{total_minus}", changed))
    table("Per rule:", ("rule", "added", "removed", "apps"), rows)
rows = [(app, *((o, n, f"+{a}", f"-{r}") if app in per_app else ("-", "-", "-", "-")),
         "FAILED" if app in failures else ("changed" if per_app[app][2] or per_app[app][3] else "same"))
        for app in apps
        for o, n, a, r in [per_app.get(app, (0, 0, 0, 0))]]
table("Per application:", ("application", "old", "new", "added", "removed", "status"), rows)
sys.exit(2 if failures else 1 if changed else 0)
PY
