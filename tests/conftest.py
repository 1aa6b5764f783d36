"""Shared pytest configuration.

pytest-django's settings live in ``pyproject.toml``; records are built with the factories in
``tests/factories.py``, so no shared fixture is needed yet. Add one here only when two test
modules need it.
"""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.fixture
def reference_data(db):
    """Load the reference fixtures (the seed article's facts and the sourced facts)."""
    call_command("load_reference_data", stdout=StringIO())


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files unhashed in tests, which render pages without ``collectstatic``
    (tests/test_static.py checks the collected, hashed and compressed files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def download_dir(settings, tmp_path):
    """Build the dataset downloads (``entrants.downloads``) into the test's own directory:
    never into the checkout, and never serve a file built from another test's data (the data
    version rolls back with each test). tests/test_downloads.py and the fuzz tests fetch them."""
    settings.DOWNLOAD_DIR = tmp_path / "downloads"
    return settings.DOWNLOAD_DIR


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Start each test with an empty page cache and no values kept per data version: the data
    version is rolled back with the test's transaction, so a page cached by an earlier test
    could otherwise be served."""
    from django.core.cache import cache

    from entrants.cache import forget_per_version_values

    cache.clear()
    forget_per_version_values()


@pytest.fixture(autouse=True)
def json_support_probed(request):
    """SQLite asks, with a query, whether it has JSON functions, once per connection, the first
    time a page reads with them (``entrants.bundle``). Tests that count queries count a page's
    own, so the question is asked before they start."""
    if "django_assert_num_queries" in request.fixturenames:
        from django.db import connection

        request.getfixturevalue("db")
        assert connection.features.has_json_object_function
