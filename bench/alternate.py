"""Compare two checkouts with ``bench/run.py``, run alternately, so that a slow spell of a
shared machine falls on both: ``before, after, before, after…``, then each target's median.

    .venv/bin/python bench/alternate.py ../before . --database demo-m.sqlite3 --rounds 3
    .venv/bin/python bench/alternate.py ../before . --database postgres://…/evmarket_demo_m \\
        --only django --rounds 3

Each checkout runs its own ``bench/run.py`` (with this Python) against the same database; the
arguments after the two directories, other than ``--rounds`` and ``--output``, are passed on.
The table (median req/s and p50 of every round, with the spread) is printed and written to
``--output`` (Markdown). Runs of the *same* code on this 2-CPU machine differ by up to 30% in
req/s, which is why one run each is not a comparison.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def run_once(checkout, passed, results_dir):
    """Run ``checkout``'s benchmark once; return its rows keyed by (target, variant)."""
    command = [sys.executable, "bench/run.py", *passed, "--results-dir", str(results_dir)]
    # Its own code first: an editable install of the other checkout must not answer imports.
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    completed = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"{checkout}: bench/run.py failed:\n{completed.stderr[-2000:]}")
    latest = max(results_dir.glob("*.json"), key=lambda path: path.stat().st_mtime)
    rows = json.loads(latest.read_text())["rows"]
    return {(row["target"], row["variant"]): row for row in rows}


def spread(values):
    if not values:
        return "—"
    middle = statistics.median(values)
    low, high = min(values), max(values)
    return f"{middle:,.1f} ({low:,.1f}–{high:,.1f})"


def table(names, runs):
    """Return a Markdown table: per target, each checkout's median req/s and p50."""
    keys = []
    for rows in runs.values():
        for rounds in rows:
            keys += [key for key in rounds if key not in keys]
    header = ["target", "variant"]
    for name in names:
        header += [f"{name} req/s (range)", f"{name} p50 ms"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * 2 + "---:|" * (2 * len(names))]
    for key in keys:
        cells = [key[0], key[1]]
        for name in names:
            done = [r[key] for r in runs[name] if key in r and r[key]["status"] == "ok"]
            cells.append(spread([row["rps"] for row in done]))
            p50s = [row["p50_ms"] for row in done if row["p50_ms"] is not None]
            cells.append(f"{statistics.median(p50s):,.0f}" if p50s else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout to compare against")
    parser.add_argument("after", type=Path, help="the checkout under test")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--output", type=Path, help="also write the table here (Markdown)")
    args, passed = parser.parse_known_args(argv)
    names = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(1, args.rounds + 1):
            for name, checkout in names.items():
                print(f"round {round_number}/{args.rounds}: {name} ({checkout})…", flush=True)
                results = Path(scratch) / f"{name}-{round_number}"
                results.mkdir()
                runs[name].append(run_once(checkout, passed, results))
    text = (
        f"{args.rounds} alternating rounds of `bench/run.py {' '.join(passed)}`; "
        f"before: `{names['before']}`, after: `{names['after']}`. Median (lowest–highest).\n\n"
        + table(list(names), runs)
        + "\n"
    )
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
