"""The two commands, as `make -n` plans them on a machine with no virtual environment yet:
`make run` installs only what running the tracker needs and says what it is doing; `make test`
adds the development tools."""

import subprocess
from importlib.metadata import requires
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def planned(target, tmp_path):
    """Return the commands ``make target`` would run for a virtual environment not made yet."""
    done = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / '.venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_installs_only_the_runtime_and_says_what_it_does(tmp_path):
    commands = planned("run", tmp_path)
    assert "pip install --quiet --disable-pip-version-check -e .\n" in commands
    assert "[dev]" not in commands
    assert "Installing the dependencies" in commands and "(about a minute)" in commands
    assert "manage.py bootstrap" in commands  # migrations, reference data, static files
    assert "DJANGO_ENV" not in commands  # manage.py is development by default


def test_make_test_installs_the_development_tools(tmp_path):
    commands = planned("test", tmp_path)
    assert "-e '.[dev]'" in commands
    assert "pytest" in commands


def test_the_development_tools_are_not_runtime_dependencies():
    """Read from the installed package's metadata, which pyproject.toml makes."""
    declared = [requirement.lower() for requirement in requires("evmarket")]
    runtime = [requirement for requirement in declared if "extra ==" not in requirement]
    dev = [requirement for requirement in declared if 'extra == "dev"' in requirement]
    for tool in ("playwright", "hypothesis", "ruff", "pytest"):
        assert not [requirement for requirement in runtime if requirement.startswith(tool)], tool
        assert [requirement for requirement in dev if requirement.startswith(tool)], tool


def test_make_serve_runs_manage_py_with_production_settings(tmp_path):
    done = subprocess.run(
        ["make", "-n", "serve", f"VENV={tmp_path / '.venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SECRET_KEY": "x" * 50},
    )
    assert "DJANGO_ENV=production" in done.stdout and "check --deploy" in done.stdout
    assert "DJANGO_ENV=production" in done.stdout.split("bootstrap")[0].splitlines()[-1]
    assert "gunicorn --config evmarket/gunicorn.conf.py" in done.stdout
