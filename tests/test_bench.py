"""Smoke test of the benchmark harness (bench/run.py): about a second per target, tiny database.

Skipped when gunicorn or Datasette is not installed (`pip install -e '.[dev,bench]'`), unless
REQUIRE_BENCH=1, where their absence fails.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

EXPECTED_ROWS = (
    {
        (f"{group} {workload}", variant)
        for workload in (
            "sightings-p1",
            "sightings-p1000",
            "prices-pkr",
            "model-detail",
            "price-history",
            "csv-export",
            "admin-changelist",
        )
        for group, variant in (("django", "cold"), ("django", "warm"), ("raw-sql", "-"))
    }
    | {
        (f"django {workload}", variant)
        for workload in ("sightings-map", "search", "search-fuzzy")
        for variant in ("cold", "warm")
    }
    | {
        ("datasette json", "-"),
        ("datasette html", "-"),
        ("datasette json-nosuggest", "-"),
        ("raw-sql datasette-table", "-"),
    }
)


def installed(name):
    return (Path(sys.executable).parent / name).exists() or shutil.which(name) is not None


def test_bench_measures_every_target_and_writes_results(tmp_path):
    missing = [name for name in ("gunicorn", "datasette") if not installed(name)]
    if missing:
        message = f"{' and '.join(missing)} not installed: pip install -e '.[dev,bench]'"
        if os.environ.get("REQUIRE_BENCH") == "1":
            pytest.fail(message)
        pytest.skip(message)

    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    database = tmp_path / "tiny.sqlite3"
    subprocess.run(
        [sys.executable, "bench/make_test_db.py", str(database)]
        + ["--sightings", "120", "--history", "30", "--prices", "20", "--days", "60"],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    results = tmp_path / "results"
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--database", str(database), "--results-dir", str(results)]
        + ["--seconds", "1", "--warmup", "0.1", "--clients", "2"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    [written] = results.glob("*-tiny.json")
    report = json.loads(written.read_text())
    rows = {(row["target"], row["variant"]): row for row in report["rows"]}
    assert set(rows) == EXPECTED_ROWS
    for row in rows.values():
        assert row["status"] == "ok", row
        assert row["rps"] > 0, row
        assert row["errors"] == 0, row
    markdown = written.with_suffix(".md").read_text()
    assert (results / "latest.md").read_text() == markdown
    for target, variant in EXPECTED_ROWS:
        assert f"| {target} | {variant} |" in markdown
    # The superuser made for the run, and its session, are gone again.
    with sqlite3.connect(database) as conn:
        users = conn.execute("SELECT COUNT(*) FROM auth_user WHERE username LIKE 'bench-%'")
        assert users.fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM django_session").fetchone() == (0,)
