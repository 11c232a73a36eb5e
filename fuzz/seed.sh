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
seed_config=(examples/**/authlint.toml examples/**/pyproject.toml examples/**/Cargo.toml)
cd - > /dev/null
seed python "${seed_py[@]/#/$root/}"
seed rust "${seed_rs[@]/#/$root/}"
seed rule_file "${seed_toml[@]/#/$root/}"
mkdir -p corpus/rule_structure
# A config input is a byte choosing the file name (0: authlint.toml), then the text.
mkdir -p corpus/config
for file in "${seed_config[@]/#/$root/}"; do
    [ -f "$file" ] && { printf '\0'; cat "$file"; } > "corpus/config/seed-$(echo "${file#../}" | tr '/' '_')"
done
# …and every TOML example in the README (the annotated configuration among them).
awk -v dir=corpus/config '
    /^```toml/ { n++; file = sprintf("%s/seed-readme-toml-%02d", dir, n); printf "\0" > file; inside = 1; next }
    /^```/ { inside = 0; next }
    inside { print >> file }
' "$root/README.md"
# A project input is a byte choosing the language (even: Python), then its
# files separated by NUL bytes: the example app's modules that import from
# each other, with imports rewritten to the target's package and crate names.
mkdir -p corpus/project
app=$root/examples/vulnerable-app
{ printf '\0'
  sed 's/app\.core\.config/pkg.config/g; s/from app\./from pkg./g' "$app/python/app/core/security.py"; printf '\0'
  cat "$app/python/app/core/config.py"; printf '\0'
  printf "SIGNING_KEY = 'fixture-not-real-project-seed'\n"; printf '\0'
  printf "from pkg.sub.keys import SIGNING_KEY as KEY\n"
} > corpus/project/seed-python
{ printf '\1'
  cat "$app/rust-service/src/auth.rs"; printf '\0'
  printf 'pub const SECRET: &str = "fixture-not-real-project-seed";\n'; printf '\0'
  printf 'pub mod claims;\n'; printf '\0'
  printf 'pub struct Claims { pub sub: String, pub email: String, pub exp: usize }\n'
} > corpus/project/seed-rust
echo "seeded: $(ls corpus/python | wc -l) python, $(ls corpus/rust | wc -l) rust, $(ls corpus/rule_file | wc -l) rule files, $(ls corpus/config | wc -l) configurations"
