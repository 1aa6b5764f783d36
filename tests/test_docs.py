"""The docs promise only what is tested: every test they name exists — in the file they name it
in, when they name one — and so does every file of the project they point to."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
# `test_file.py::test_name`, `test_file.py::test_prefix_*`, or a bare `test_name`.
NAMED = re.compile(r"`(?:(test_\w+\.py)::)?(test_\w+?)(\*?)`")


def defined_tests(path):
    """Return the names of the test functions defined in ``path``."""
    return set(re.findall(r"^def (test_\w+)", path.read_text(), re.MULTILINE))


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_test_a_doc_names_exists(doc):
    every_file = {path.name: defined_tests(path) for path in (ROOT / "tests").glob("test_*.py")}
    everywhere = set().union(*every_file.values())
    missing = []
    for file_name, name, family in NAMED.findall(doc.read_text()):
        if file_name and file_name not in every_file:
            missing.append(f"{file_name} (no such test file)")
            continue
        defined = every_file[file_name] if file_name else everywhere
        found = any(test.startswith(name) for test in defined) if family else name in defined
        if not found:
            missing.append(f"{file_name}::{name}{family}" if file_name else name)
    assert not missing, f"{doc.name} names tests that do not exist: {missing}"


@pytest.mark.parametrize("doc", [*DOCS, ROOT / "README.md"], ids=lambda path: path.name)
def test_every_project_file_a_doc_names_exists(doc):
    project_path = r"\b((?:tests|drills|entrants|evmarket|docs)/[\w./-]+\.\w+)"
    named = set(re.findall(project_path, doc.read_text()))
    missing = {path for path in named if not (ROOT / path).exists()}
    assert not missing, f"{doc.name} points to files that do not exist: {sorted(missing)}"
