#!/usr/bin/env bash
# tests/mermaid.sh AUTHLINT
#
# The inventory's Mermaid diagrams parse with Mermaid itself: the `mermaid`
# npm package's `parse`, run by node with jsdom standing in for a browser
# (mermaid-cli would need a headless Chromium; the parser is the same).
# Each tree's `authlint inventory --output-format markdown` is rendered, its
# mermaid block parsed; a diagram with a raw quote in a label must be
# rejected, so the check can fail. tests/inventory.rs checks the same blocks'
# shape on every `cargo test`; this is the check by the real grammar.
#
# Skips with a message (exit 0) when node or npm is missing or the packages
# cannot be installed (no network); with AUTHLINT_REQUIRE_MERMAID=1 that is
# a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."
authlint=${1:?usage: tests/mermaid.sh AUTHLINT}
[[ $authlint == /* ]] || authlint=$PWD/$authlint

skip() {
    echo "mermaid: skipped: $1"
    if [ "${AUTHLINT_REQUIRE_MERMAID:-0}" = 1 ]; then exit 1; fi
    exit 0
}
command -v node > /dev/null || skip "node is not installed"
command -v npm > /dev/null || skip "npm is not installed"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y > /dev/null &&
    timeout 600 npm install --no-audit --no-fund --silent mermaid@11.17.2 jsdom@29.1.1 > npm.log 2>&1) ||
    skip "cannot install mermaid from npm (offline?): $(tail -n 3 "$work/npm.log" 2> /dev/null | tr '\n' ' ')"

trees=(examples/vulnerable-app tests/projects/*/)
for tree in "${trees[@]}"; do
    "$authlint" inventory --output-format markdown "$tree" > "$work/$(basename "$tree").md"
done

cat > "$work/check.mjs" << 'JS'
import { readFileSync, readdirSync } from "node:fs";
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of readdirSync(".").filter((f) => f.endsWith(".md"))) {
    const blocks = [...readFileSync(file, "utf8").matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
    if (blocks.length !== 1) {
        console.log(`${file}: expected one mermaid block, found ${blocks.length}`);
        failed++;
        continue;
    }
    try {
        const result = await mermaid.parse(blocks[0]);
        console.log(`${file}: ${result.diagramType}, ${blocks[0].split("\n").length - 2} lines: ok`);
    } catch (error) {
        console.log(`${file}: does not parse: ${error}`);
        failed++;
    }
}
// The control: a label with a raw quote must not parse.
try {
    await mermaid.parse('flowchart LR\n  a["x "y" z"]\n');
    console.log("control: a broken diagram parsed: the check cannot fail");
    failed++;
} catch {
    console.log("control: a broken diagram is rejected: ok");
}
process.exit(failed ? 1 : 0);
JS
cd "$work" && node check.mjs
