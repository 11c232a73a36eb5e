#!/usr/bin/env python3
"""bench/parse-less-estimate.py: how much of the Python that authlint parses
a "parse less" scheme (issue 20, part 1) could leave unparsed.

    bench/parse-less-estimate.py CORPUS_PYTHON_DIR

It takes the files whose keywords make a shipped rule active (the prefilter's
logic, read from rules/*.toml: `keywords`, `keywords-also`,
`keyword-requires`; comments are not told apart, so the set is a little
larger than authlint's), splits each into statements with Python's own `ast`
module (which parses the text and never runs it), and counts the bytes each
scheme would still have to parse:

- top-level, safe: the top-level statements with a keyword hit, every
  import, and the closure a partial parse needs to lose no finding: every
  statement binding or mutating a name a kept statement mentions
  (backward), and every statement mentioning a name a kept statement binds
  (forward: `from jwt import decode as d` then `d(token)` in a function
  without a keyword);
- top-level, backward only: without the forward closure (not safe: it
  would lose such findings), a lower bound for whole top-level statements;
- members, backward only: as the last, but a class is cut into its
  members, and a method is kept only when it has a hit or its name is
  mentioned in a kept top-level statement: a lower bound for a parse at
  class-member granularity.

The figures are in bench/profile.md. This is a measurement, not part of
authlint or its tests.
"""
import ast
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pattern(keyword):
    # Keywords with a backslash are regular expressions (`token\b`); the
    # others are literal text. Both match regardless of case.
    return re.compile(keyword if "\\" in keyword else re.escape(keyword), re.I)


def python_list(rule, key):
    value = rule.get(key) or []
    return value.get("python", []) if isinstance(value, dict) else value


def load_rules():
    rules = []
    for path in sorted((ROOT / "rules").glob("*.toml")):
        rule = tomllib.loads(path.read_text())
        requires = rule.get("keyword-requires", {})
        rules.append(
            {
                "keywords": [(k, pattern(k)) for k in python_list(rule, "keywords")],
                "also": [pattern(k) for k in python_list(rule, "keywords-also")],
                "requires": {k: [pattern(x) for x in v] for k, v in requires.items() if isinstance(v, list)},
            }
        )
    return rules


def active_patterns(rules, text):
    """The keyword patterns of the rules active on the file; empty if none is."""
    found = []
    for rule in rules:
        hit = False
        for keyword, regex in rule["keywords"]:
            if regex.search(text):
                needs = rule["requires"].get(keyword)
                if needs and not any(n.search(text) for n in needs):
                    continue
                hit = True
                break
        if hit and rule["also"] and not any(a.search(text) for a in rule["also"]):
            hit = False
        if hit:
            found += [regex for _, regex in rule["keywords"]] + rule["also"]
    return found


def mentioned(node):
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, ast.alias):
            names.add((n.asname or n.name).split(".")[0])
    return names


def root_name(target):
    while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
        target = target.value
    return target


def bound(statement):
    """The names a top-level statement binds or mutates (a superset)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(statement, ast.Expr):
        call = statement.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            receiver = root_name(call.func)
            if isinstance(receiver, ast.Name):
                return {receiver.id}  # `config.update(...)` may change `config`
        return set()
    return mentioned(statement)  # a compound statement may bind anything in it


def estimate(text, patterns, forward, members):
    tree = ast.parse(text)
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))

    def source(node):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return text[offsets[first - 1] : offsets[node.end_lineno]]

    statements = tree.body
    texts = [source(s) for s in statements]
    mentions = [mentioned(s) for s in statements]
    binds = [bound(s) for s in statements]
    hit = [any(p.search(t) for p in patterns) for t in texts]
    is_import = [isinstance(s, (ast.Import, ast.ImportFrom)) for s in statements]
    keep = [h or i for h, i in zip(hit, is_import)]
    changed = True
    while changed:
        changed = False
        needed, provided = set(), set()
        for i, kept in enumerate(keep):
            if kept:
                needed |= mentions[i]
                if hit[i] or not is_import[i]:
                    provided |= binds[i]
        for i, kept in enumerate(keep):
            if not kept and (binds[i] & needed or (forward and mentions[i] & provided)):
                keep[i] = changed = True
    if not members:
        return sum(len(t) for t, k in zip(texts, keep) if k)
    named = set()
    for i, kept in enumerate(keep):
        if kept and not isinstance(statements[i], ast.ClassDef):
            named |= set(re.findall(r"\w+", texts[i]))
    total = 0
    for statement, body, kept in zip(statements, texts, keep):
        if not kept:
            continue
        if not isinstance(statement, ast.ClassDef):
            total += len(body)
            continue
        for member in statement.body:
            member_text = source(member)
            is_method = isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef))
            if not is_method or member.name in named or any(p.search(member_text) for p in patterns):
                total += len(member_text)
    return total


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    rules = load_rules()
    schemes = {
        "top-level, safe": (True, False),
        "top-level, backward only": (False, False),
        "members, backward only": (False, True),
    }
    files = total = 0
    kept = dict.fromkeys(schemes, 0)
    for directory, _, names in os.walk(sys.argv[1]):
        for name in names:
            if not name.endswith(".py"):
                continue
            try:
                text = Path(directory, name).read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            patterns = active_patterns(rules, text)
            if not patterns:
                continue
            files += 1
            total += len(text)
            for scheme, (forward, members) in schemes.items():
                try:
                    kept[scheme] += estimate(text, patterns, forward, members)
                except (SyntaxError, ValueError, RecursionError):
                    kept[scheme] += len(text)  # parsed whole
    print(f"{files} files with an active rule, {total / 1e6:.1f} MB")
    for scheme, count in kept.items():
        print(f"{scheme:<26} {count / 1e6:5.1f} MB still parsed ({100 * count / max(total, 1):.0f}%)")


if __name__ == "__main__":
    main()
