#!/usr/bin/env bash
# ecosystem-checkout.sh DIR
#
# Checks out every application of bench/ecosystem.txt at its listed commit
# into DIR/owner+name, skipping the ones already there. It reads the bare git
# mirrors that the session's `fetch` tool brings in (`fetch github:owner/name`
# puts one at /work/.mirror/owner+name/repo; set ECO_MIRRORS to look
# elsewhere). It never clones from the network and never builds anything.
#
# A mirror may lack its largest files (4 MiB and more): those are left out of
# the checkout with a note, they are never source the linter would read.
set -euo pipefail
[[ $# -eq 1 ]] || { sed -n '2,11p' "$0" >&2; exit 2; }
dest=$1
mirrors=${ECO_MIRRORS:-/work/.mirror}
list=$(dirname -- "$0")/ecosystem.txt
mkdir -p -- "$dest"
work=$(mktemp -d "${TMPDIR:-/tmp}/eco-checkout.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

missing=0
while read -r repo commit _; do
  [[ -z $repo || $repo == \#* ]] && continue
  slug=${repo/\//+}
  out=$dest/$slug
  if [[ -d $out ]]; then echo "have     $slug"; continue; fi
  git_dir=$mirrors/$slug/repo
  if [[ ! -d $git_dir ]]; then
    echo "ecosystem-checkout: no mirror of $repo at $git_dir; bring it in with the fetch tool (github:$repo)" >&2
    missing=$((missing + 1)); continue
  fi
  if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "ecosystem-checkout: the mirror of $repo does not have commit $commit (it has $(git --git-dir="$git_dir" rev-parse --short HEAD)); fetch it again or update bench/ecosystem.txt" >&2
    missing=$((missing + 1)); continue
  fi
  # Stage the commit's blobs that the mirror really holds in a private index,
  # then write that index out: `git archive` stops at the first absent blob.
  index=$work/$slug.index
  git --git-dir="$git_dir" ls-tree -r -z --full-tree "$commit" | python3 -c '
import subprocess, sys
git_dir, slug = sys.argv[1:]
rows = [r for r in sys.stdin.buffer.read().split(b"\0") if r]
blobs = [r for r in rows if r.split(b" ", 2)[1] == b"blob"]
shas = b"".join(r.split(b" ", 2)[2].split(b"\t", 1)[0] + b"\n" for r in blobs)
check = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch-check"],
                       input=shas, capture_output=True, check=True).stdout.splitlines()
absent = 0
for row, answer in zip(blobs, check):
    if answer.endswith(b" missing"):
        absent += 1
    else:
        sys.stdout.buffer.write(row + b"\0")
if absent:
    print(f"note     {slug}: {absent} file(s) too large for the mirror left out", file=sys.stderr)
' "$git_dir" "$slug" | GIT_INDEX_FILE=$index git --git-dir="$git_dir" update-index -z --index-info
  # Written beside its place and renamed at the end, so that an interrupted
  # checkout is done again next time rather than kept half-written.
  rm -rf -- "$out.partial"; mkdir -p -- "$out.partial"
  GIT_INDEX_FILE=$index git --git-dir="$git_dir" --work-tree="$out.partial" checkout-index -a -f
  mv -- "$out.partial" "$out"
  echo "checkout $slug at ${commit:0:12}"
done < "$list"

if [[ $missing -gt 0 ]]; then
  echo "ecosystem-checkout: $missing application(s) not checked out" >&2
  exit 1
fi
