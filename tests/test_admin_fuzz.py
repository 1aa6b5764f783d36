"""Hostile addresses against every admin changelist, export, autocomplete and history page: no
request may answer 5xx.

A superuser sends each registered changelist (the tracker's records, users and groups) query
strings built from its own filters (``field__exact``, ``field__id__exact``, the date hierarchy's
``__year``/``__month``/``__day``), its search, ordering and page, with the values of
``tests/test_fuzz.py`` (NUL bytes, huge numbers, broken dates, SQL and HTML), and every tracked
model's history and version pages with keys no record has. An address the admin cannot read
shows the whole list with a message (or 400/404), never a server error.
"""

import zlib
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import example, given, seed, settings
from hypothesis import strategies as st

from tests.admin_site import registered_models
from tests.test_fuzz import FUZZ_SETTINGS, hostile, query_strings, quiet_request_log  # noqa: F401

pytestmark = pytest.mark.django_db

CHANGELIST_EXAMPLES = 40
KEY_EXAMPLES = 60
ADMIN_PARAMS = ["q", "o", "p", "e", "all", "_facets", "_to_field", "_popup"]
BIG = "9" * 25


def changelist_parameters(model_admin):
    """Return the query parameters a changelist reads: its filters' lookups, its date
    hierarchy's parts and the admin's own."""
    names = list(ADMIN_PARAMS)
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            names += [f"{entry}__exact", f"{entry}__id__exact", f"{entry}__isnull"]
            names += [f"{entry}__in", entry]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


def admin_get(client, url):
    """GET ``url``; fail on a 5xx or an exception, naming the URL."""
    try:
        response = client.get(url)
    except Exception as error:
        raise AssertionError(f"GET {url} raised {error!r}") from error
    assert response.status_code < 500, f"GET {url} answered {response.status_code}"
    return response


@pytest.fixture
def boss(client, reference_data):
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    return client


@pytest.mark.parametrize(
    "model_class", registered_models(), ids=lambda model: model._meta.label_lower
)
def test_admin_changelists_never_answer_5xx(boss, model_class):
    model_admin = admin.site.get_model_admin(model_class)
    opts = model_class._meta
    path = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    names = changelist_parameters(model_admin)
    plausible = ["1", "0", "-1", "2024", "13", "31", "0.1", "1.-2", "True", "PK", BIG, "\x00"]

    @seed(zlib.crc32(path.encode()))
    @settings(FUZZ_SETTINGS, max_examples=CHANGELIST_EXAMPLES)
    @given(query=query_strings(names, plausible))
    @example(query="kind__exact=%00")
    @example(query="country__exact=%00&q=%00")
    @example(query=f"date__year={BIG}")
    @example(query="date__year=2024&date__month=2&date__day=31")
    @example(query="created_at__year=0")
    @example(query=f"created_at__year={BIG}&created_at__month={BIG}")
    @example(query=f"p={BIG}&o=abc")
    def send(query):
        admin_get(boss, f"{path}?{query}")

    send()


EXPORTING = [
    model
    for model in registered_models()
    if hasattr(admin.site.get_model_admin(model), "export_action")
]


@pytest.mark.parametrize("model_class", EXPORTING, ids=lambda model: model._meta.label_lower)
def test_admin_export_pages_never_answer_5xx(boss, model_class):
    """The Export button carries the changelist's filters to the export page."""
    model_admin = admin.site.get_model_admin(model_class)
    opts = model_class._meta
    path = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
    plausible = ["1", "0", "2024", "13", BIG, "\x00"]

    @seed(zlib.crc32(path.encode()))
    @settings(FUZZ_SETTINGS, max_examples=CHANGELIST_EXAMPLES)
    @given(query=query_strings(changelist_parameters(model_admin), plausible))
    @example(query="date__year=0")
    @example(query=f"date__year={BIG}")
    @example(query="currency__exact=%00")
    def send(query):
        admin_get(boss, f"{path}?{query}")

    send()


def autocomplete_fields():
    """Yield (app label, model name, field name) of every autocomplete widget in the admin."""
    for model_class in registered_models():
        model_admin = admin.site.get_model_admin(model_class)
        for name in model_admin.autocomplete_fields:
            yield model_class._meta.app_label, model_class._meta.model_name, name


def test_admin_autocompletes_never_answer_5xx(boss):
    fields = list(autocomplete_fields())

    @seed(zlib.crc32(b"admin autocomplete"))
    @settings(FUZZ_SETTINGS, max_examples=KEY_EXAMPLES)
    @given(
        field=st.sampled_from(fields),
        term=st.one_of(st.sampled_from(["a\x00b", "\x00", BIG]), hostile),
    )
    @example(field=("entrants", "sighting", "vehicle_model"), term="a\x00b")
    def send(field, term):
        app_label, model_name, field_name = field
        query = urlencode(
            {
                "term": term,
                "app_label": app_label,
                "model_name": model_name,
                "field_name": field_name,
            }
        )
        admin_get(boss, f"/admin/autocomplete/?{query}")

    send()


def test_history_pages_with_keys_no_record_has_are_not_found(boss):
    tracked = [model for model in registered_models() if model._meta.app_label == "entrants"]

    @seed(zlib.crc32(b"admin history keys"))
    @settings(FUZZ_SETTINGS, max_examples=KEY_EXAMPLES)
    @given(
        model_class=st.sampled_from(tracked),
        key=st.one_of(st.sampled_from(["abc", BIG, "-1", "1.5", "%00", "0"]), hostile),
        version=st.one_of(st.sampled_from(["abc", BIG, "-1", "1"]), hostile),
    )
    @example(model_class=tracked[0], key="abc", version="1")
    @example(model_class=tracked[0], key="1", version="abc")
    def send(model_class, key, version):
        opts = model_class._meta
        base = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        segment, version_segment = quote(key, safe="") or "x", quote(version, safe="") or "x"
        for url in (
            f"{base}{segment}/history/",
            f"{base}{segment}/history/{version_segment}/",
            f"{base}{segment}/change/",
        ):
            admin_get(boss, url)

    send()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/entrants/company/?kind__exact=%00",
        "/admin/entrants/newsitem/?date__year=99999999999999999999",
        "/admin/entrants/company/?created_at__year=0",
        "/admin/auth/user/?username=%00",
    ],
)
def test_a_filter_the_admin_cannot_read_shows_the_whole_list_with_a_message(boss, url):
    response = boss.get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain in ([], [(url.split("?")[0] + "?e=1", 302)])
    if response.redirect_chain:
        assert "could not be read" in response.content.decode()


def test_an_export_given_filters_it_cannot_read_goes_back_to_the_whole_list(boss):
    response = boss.get("/admin/entrants/pricepoint/export/?date__year=0", follow=True)
    assert response.redirect_chain == [("/admin/entrants/pricepoint/?e=1", 302)]
    assert "could not be read" in response.content.decode()
