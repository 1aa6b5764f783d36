"""Static files as production serves them: hashed names, compressed copies, a small plotly.js."""

import gzip
from pathlib import Path

import pytest
from django.core.management import call_command


@pytest.fixture
def collected(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return Path(tmp_path)


def test_collected_files_have_hashed_names_and_compressed_copies(collected):
    hashed = list((collected / "js").glob("charts.*.js"))
    assert hashed, "charts.js was not collected with a hashed name"
    assert Path(f"{hashed[0]}.gz").exists()
    assert (collected / "staticfiles.json").exists()


def test_plotly_partial_bundle_is_under_500_kb_gzipped(collected):
    bundle = next((collected / "vendor" / "plotly").glob("plotly-basic-*.min.*.js"))
    size = len(gzip.compress(bundle.read_bytes(), compresslevel=9))
    assert size <= 500 * 1024, f"plotly.js is {size / 1024:.0f} KB gzipped"
