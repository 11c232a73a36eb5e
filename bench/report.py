#!/usr/bin/env python3
"""Turns the measurements of bench/run.sh into bench/RESULTS.md.

Input: a TSV of measurements (one row per command: group, name, files,
bytes, status, median/min/max seconds, runs, peak RSS in KB, the wall time of
the first run, the command) and the prefilter counts from authlint's JSON
summary. Output: markdown on stdout. Ratios are always against the authlint
row of the same group, measured in the same run of the script.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess

MB = 1_000_000


def read_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            group, name, files, nbytes, status, median, low, high, runs, rss, first, command = fields
            rows.append(
                {
                    "group": group,
                    "name": name,
                    "files": int(files),
                    "bytes": int(nbytes),
                    "status": status,
                    "median": float(median) if median else None,
                    "min": float(low) if low else None,
                    "max": float(high) if high else None,
                    "runs": int(runs) if runs else 0,
                    "rss_mb": int(rss) / 1024 if rss else None,
                    "first": float(first) if first else None,
                    "command": command,
                }
            )
    return rows


def seconds(row):
    if row["status"] == "timeout":
        return f"timeout (> {row['median']:.0f} s)"
    return f"{row['median']:.3f} s"


def table(rows, authlint):
    out = [
        "| tool | median wall | ratio to authlint | files/s | MB/s | peak RSS | runs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["status"] == "timeout":
            out.append(f"| {row['name']} | {seconds(row)} | > {row['median'] / authlint['median']:.0f}× | | | {rss(row)} | 0 |")
            continue
        ratio = row["median"] / authlint["median"]
        out.append(
            f"| {row['name']} | {seconds(row)} | {ratio:.2f}× | {row['files'] / row['median']:,.0f} | "
            f"{row['bytes'] / MB / row['median']:.1f} | {rss(row)} | {row['runs']} |"
        )
    return out


def rss(row):
    return f"{row['rss_mb']:.0f} MB" if row["rss_mb"] is not None else "?"


def machine():
    cpu = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}"


HERE = os.path.dirname(os.path.abspath(__file__))
# The measurements behind RESULTS.md are kept beside it, so the markdown can
# be written again (`bench/report.py --again`) after editing bench/profile.md
# without running the benchmark again.
SAVED = os.path.join(HERE, "last-run")
FLAGS = ["--results", "--prefilter", "--corpus", "--commit", "--load-before", "--load-after", "--versions"]


def mutation_scores():
    """The figures of MUTANTS.md (written by hand from bench/mutants.sh runs,
    which are too slow for this script), one row per run."""
    path = os.path.join(HERE, "MUTANTS.md")
    if not os.path.exists(path):
        return []
    runs = {}
    current = None
    for line in open(path):
        if line.startswith("## "):
            current = line[3:].split()[0].rstrip(":") if line.startswith("## src/") else None
            if current:
                runs[current] = []
        elif current and line.startswith("| "):
            cells = [cell.strip() for cell in line.strip("|\n ").split("|")]
            if len(cells) == 5 and all(cell.isdigit() for cell in cells):
                runs[current].append([int(cell) for cell in cells])
    rows = [
        "",
        "## Mutation scores (issue 21)",
        "",
        "Each `bench/mutants.sh` run recorded in `MUTANTS.md`, in order: a later run",
        "of a file retests the mutants the one before missed, once tests were written",
        "for them. `MUTANTS.md` names every mutant still missed, with why it cannot",
        "change behaviour.",
        "",
        "| file | run | mutants | caught | missed | unviable | timeout |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for file, tables in runs.items():
        for number, (total, caught, missed, unviable, timeout) in enumerate(tables, 1):
            rows.append(f"| `{file}` | {number} | {total} | {caught} | {missed} | {unviable} | {timeout} |")
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--again", action="store_true", help="write RESULTS.md from bench/last-run")
    for flag in FLAGS:
        parser.add_argument(flag)
    args = parser.parse_args()
    if args.again:
        saved = json.load(open(os.path.join(SAVED, "args.json")))
        for flag in FLAGS:
            setattr(args, flag[2:].replace("-", "_"), saved[flag])
        for name in ["results", "prefilter", "corpus"]:
            setattr(args, name, os.path.join(SAVED, f"{name}.txt"))
    else:
        os.makedirs(SAVED, exist_ok=True)
        saved = {flag: getattr(args, flag[2:].replace("-", "_")) for flag in FLAGS}
        for name in ["results", "prefilter", "corpus"]:
            with open(getattr(args, name)) as src, open(os.path.join(SAVED, f"{name}.txt"), "w") as dst:
                dst.write(src.read())
        with open(os.path.join(SAVED, "args.json"), "w") as f:
            json.dump(saved, f, indent=1)
    rows = read_rows(args.results)
    groups = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)

    def get(group, name):
        return next(r for r in groups[group] if r["name"] == name)

    if args.again:
        now = saved.get("date", "")
    else:
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        saved["date"] = now
        with open(os.path.join(SAVED, "args.json"), "w") as f:
            json.dump(saved, f, indent=1)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.sh` on {now}, authlint commit {args.commit}.",
        "",
        f"- Machine: {machine()}; load average {args.load_before} before the run, {args.load_after} after.",
        f"- Versions: {args.versions}.",
        "- Wall times are medians of warm runs (hyperfine); peak RSS is from one run under `/usr/bin/time -v`.",
        "  Ratios are against authlint in the same table: above 1× the tool is slower than authlint.",
        "  files/s and MB/s count every `.py`/`.rs` file of the tree the command reads.",
    ]
    corpus = [
        line
        for line in open(args.corpus).read().splitlines()
        if line.startswith(("python ", "rust ", "total ")) and ("sha256" in line or "left out" in line or "total" in line)
    ]
    if corpus:
        lines += ["- Corpus (`make-corpus.sh`):", "", "  ```", *[f"  {line}" for line in corpus], "  ```"]

    targets = []
    py = groups["python"]
    py_authlint = get("python", "authlint")
    lines += ["", f"## Python half ({py_authlint['files']:,} files, {py_authlint['bytes'] / MB:.1f} MB)", ""]
    lines += table(py, py_authlint)
    rs = groups["rust"]
    rs_authlint = get("rust", "authlint")
    lines += ["", f"## Rust half ({rs_authlint['files']:,} files, {rs_authlint['bytes'] / MB:.1f} MB)", ""]
    lines += table(rs, rs_authlint)

    slice_rows = groups.get("slice", [])
    if slice_rows:
        slice_authlint = get("slice", "authlint")
        lines += [
            "",
            f"## Bandit, once, on a 10% slice of the Python half ({slice_authlint['files']:,} files, "
            f"{slice_authlint['bytes'] / MB:.1f} MB)",
            "",
        ]
        lines += table(slice_rows, slice_authlint)

    lines += [
        "",
        "## What reaches the parser",
        "",
        "From authlint's JSON summary: files that passed the keyword prefilter (or were imported from by one that did).",
        "",
        "| half | files scanned | files parsed | share | bytes scanned | bytes parsed | share | findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for line in open(args.prefilter).read().splitlines():
        name, scanned, parsed, bscanned, bparsed, findings = line.split("\t")
        share = f"{int(parsed) / int(scanned):.1%}" if int(scanned) else ""
        if bscanned and bparsed:
            bshare = f"{int(bparsed) / int(bscanned):.1%}"
            bscanned, bparsed = f"{int(bscanned) / MB:.1f} MB", f"{int(bparsed) / MB:.1f} MB"
        else:
            bshare = bscanned = bparsed = "n/a"
        lines.append(f"| {name} | {int(scanned):,} | {int(parsed):,} | {share} | {bscanned} | {bparsed} | {bshare} | {findings} |")

    scaling = groups.get("scaling", [])
    if scaling:
        lines += [
            "",
            "## Scaling with the size of the tree (both halves; every Nth file, same layout)",
            "",
            "| share of the corpus | files | MB | median wall | ms per MB | MB/s | peak RSS |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in scaling:
            lines.append(
                f"| {row['name']} | {row['files']:,} | {row['bytes'] / MB:.1f} | {seconds(row)} | "
                f"{row['median'] * 1000 / (row['bytes'] / MB):.1f} | {row['bytes'] / MB / row['median']:.1f} | {rss(row)} |"
            )
    threads = groups.get("threads", [])
    if threads:
        one, two = get("threads", "--threads 1"), get("threads", "--threads 2")
        speedup = one["median"] / two["median"]
        lines += [
            "",
            "## Threads (whole corpus)",
            "",
            "| threads | median wall | speedup | peak RSS |",
            "|---|---:|---:|---:|",
            f"| 1 | {seconds(one)} | 1.00× | {rss(one)} |",
            f"| 2 | {seconds(two)} | {speedup:.2f}× | {rss(two)} |",
        ]
        targets.append(("2 threads at least 1.7× faster than 1", f"{speedup:.2f}×", speedup >= 1.7))

    cache_rows = [
        (group, r) for group in ("python", "rust") for r in groups[group] if r["name"].startswith("authlint, ")
    ]
    if cache_rows:
        lines += [
            "",
            "## The results cache",
            "",
            "Each row's first run (under `/usr/bin/time`) starts from an empty cache and fills it; the timed runs",
            "after it are warm. \"One file changed\" edits one file with a keyword before each timed run",
            "(`bench/touch-file.py`). Ratios are to the rg floor of the same half, in this run.",
            "",
            "| half | run | first run (empty cache) | median wall | ratio to the rg floor | ratio to cold | peak RSS | runs |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for group, row in cache_rows:
            floor_row = get(group, "rg floor")
            cold_row = get(group, "authlint")
            lines.append(
                f"| {group} | {row['name'].split(', ')[1]} | {row['first']:.3f} s | {seconds(row)} | "
                f"{row['median'] / floor_row['median']:.1f}× | {row['median'] / cold_row['median']:.2f}× | {rss(row)} | {row['runs']} |"
            )

    generated = groups.get("generated", [])
    if generated:
        lines += [
            "",
            "## One 20 MB generated-looking Python module (protobuf descriptors, a keyword in code)",
            "",
            "With protoc's header it is skipped with a `generated` notice; without it, it is parsed and checked",
            "in pieces. `--max-file-size` is raised to 32 MiB for both (the default, 5 MB, would skip them).",
            "",
            "| file | median wall | peak RSS | RSS / file size | runs |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in generated:
            lines.append(
                f"| {row['name']} | {seconds(row)} | {rss(row)} | {row['rss_mb'] * 1024 * 1024 / row['bytes']:.1f}× | {row['runs']} |"
            )

    # The targets, checked against this run.
    def ratio(group, name, base):
        row = get(group, name)
        if row["status"] == "timeout":
            return None
        return row["median"] / base["median"]

    floor = ratio("python", "rg floor", py_authlint)
    ruff = ratio("python", "ruff (S105-S107)", py_authlint)
    targets.insert(0, ("Python half, cold: ≤ ruff S105-S107's median", f"{1 / ruff:.2f}× ruff", 1 / ruff <= 1))
    targets.insert(1, ("Python half, cold: ≤ 12× the rg floor", f"{1 / floor:.1f}× the floor", 1 / floor <= 12))
    rs_floor = ratio("rust", "rg floor", rs_authlint)
    targets.insert(2, ("Rust half, cold: ≤ 8× the rg floor", f"{1 / rs_floor:.1f}× the floor", 1 / rs_floor <= 8))
    floors = {"python": get("python", "rg floor"), "rust": get("rust", "rg floor")}
    for group, name, bound in [
        ("python", "authlint, warm cache", 3),
        ("rust", "authlint, warm cache", 3),
        ("python", "authlint, one file changed", 4),
    ]:
        row = next((r for r in groups[group] if r["name"] == name), None)
        if row is not None:
            times = row["median"] / floors[group]["median"]
            targets.append(
                (f"{group.capitalize()} half, {name.split(', ')[1]}: ≤ {bound}× the rg floor", f"{times:.1f}× the floor", times <= bound)
            )
    for row in generated:
        skipped = "marked" in row["name"] and "not marked" not in row["name"]
        met = row["rss_mb"] <= 400 and (skipped or row["median"] <= 2)
        targets.append(
            (f"20 MB generated Python file ({row['name']}): peak RSS ≤ 400 MB, ≤ 2 s or skipped with a note",
             f"{rss(row)}, {seconds(row)}{' (skipped)' if skipped else ''}", met)
        )
    whole = [r for r in scaling if r["name"] == "1/1"]
    if whole:
        targets.append(("Whole corpus: peak RSS ≤ 150 MB", rss(whole[0]), whole[0]["rss_mb"] <= 150))
    semgrep_row = get("python", "semgrep (JWT rules)")
    if semgrep_row["status"] != "timeout":
        semgrep = semgrep_row["median"] / py_authlint["median"]
        targets.append(("(issue 8) Python: ≥ 20× faster than semgrep", f"{semgrep:.1f}× faster", semgrep >= 20))
    lines += ["", "## Targets (issue 20)", "", "| target | this run | met |", "|---|---|---|"]
    for name, value, met in targets:
        lines.append(f"| {name} | {value} | {'yes' if met else '**no**'} |")

    profile = os.path.join(HERE, "profile.md")
    if os.path.exists(profile):
        lines += ["", open(profile).read().rstrip()]
    lines += mutation_scores()

    lines += ["", "## Commands", "", "```"]
    seen = set()
    for row in rows:
        if row["command"] not in seen:
            seen.add(row["command"])
            lines.append(row["command"])
    lines += ["```", ""]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
