"""The docs promise only what is tested: every test they name exists, and so does every file of
the project they point to."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]  # the README last
TEST_SOURCES = "\n".join(path.read_text() for path in (ROOT / "tests").glob("test_*.py"))
DEFINED = set(re.findall(r"^def (test_\w+)", TEST_SOURCES, re.MULTILINE))


@pytest.mark.parametrize("doc", DOCS[:-1], ids=lambda path: path.name)
def test_every_test_a_doc_names_exists(doc):
    named = set(re.findall(r"\b(test_\w+?)(?:\*|`|\b)", doc.read_text()))
    # "test_security.py::test_production_settings_*" names a family of tests by its prefix.
    missing = {
        name
        for name in named
        if name not in DEFINED
        and not (name.endswith("_") and any(test.startswith(name) for test in DEFINED))
        and f"{name}.py" not in {path.name for path in (ROOT / "tests").glob("*.py")}
    }
    assert not missing, f"{doc.name} names tests that do not exist: {sorted(missing)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_project_file_a_doc_names_exists(doc):
    named = set(
        re.findall(r"\b((?:tests|drills|entrants|evmarket|docs)/[\w./-]+\.\w+)", doc.read_text())
    )
    missing = {path for path in named if not (ROOT / path).exists()}
    assert not missing, f"{doc.name} points to files that do not exist: {sorted(missing)}"
