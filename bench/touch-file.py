#!/usr/bin/env python3
"""bench/touch-file.py FILE: the "one file changed" edit of bench/run.sh.

Appends (or renews) one module-level assignment at the end of a Python file,
with a value one higher each time, so every run sees a new text whose
definitions and keywords are unchanged: what a typical edit to a function
body or a constant does to the project index.
"""
import re
import sys

path = sys.argv[1]
text = open(path).read()
match = re.search(r"\n_AUTHLINT_BENCH_EDIT = (\d+)\n$", text)
count = int(match.group(1)) + 1 if match else 1
if match:
    text = text[: match.start()]
if not text.endswith("\n"):
    text += "\n"
open(path, "w").write(f"{text}\n_AUTHLINT_BENCH_EDIT = {count}\n")
