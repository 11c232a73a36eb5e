#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the repository's own inputs: the rule
# fixtures and the example app for the frontends, the rule catalog and the
# documented example rules for the rule loader. Corpora are not checked in
# (they grow to thousands of files); run this before the first `cargo fuzz run`.
set -euo pipefail
cd "$(dirname "$0")"
root=..
seed() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for file in "$@"; do
        [ -f "$file" ] && cp "$file" "corpus/$target/seed-$(echo "${file#../}" | tr '/' '_')"
    done
    return 0
}
cd "$root"
shopt -s nullglob globstar
seed_py=(fixtures/python/*.py examples/**/*.py)
seed_rs=(fixtures/rust/*.rs examples/**/*.rs)
seed_toml=(rules/*.toml docs/examples/rules/*.toml)
cd - > /dev/null
seed python "${seed_py[@]/#/$root/}"
seed rust "${seed_rs[@]/#/$root/}"
seed rule_file "${seed_toml[@]/#/$root/}"
mkdir -p corpus/rule_structure
echo "seeded: $(ls corpus/python | wc -l) python, $(ls corpus/rust | wc -l) rust, $(ls corpus/rule_file | wc -l) rule files"
