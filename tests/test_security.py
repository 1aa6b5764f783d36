"""Safe to put on the internet: production settings, security headers on every page, who may
do what (a permission matrix over every admin and analyst URL), and login throttling."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from entrants.models import (
    Company,
    ExchangeRate,
    MarketEvent,
    NewsItem,
    Partnership,
    Person,
    Place,
    PricePoint,
    Sighting,
    Statement,
    VehicleModel,
)
from tests.admin_site import registered_models
from tests.html_forms import admin_form_data

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


# --- Production settings -----------------------------------------------------------------------


def fresh_python(*args, **env):
    """Run Python in a fresh process with only ``env`` as the tracker's settings (and a
    database that is never created)."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    clean["DATABASE_URL"] = f"sqlite:///{BASE_DIR / 'never-created.sqlite3'}"
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args, **env):
    """Run manage.py in a fresh process with only ``env`` as the tracker's settings."""
    return fresh_python("manage.py", *args, **env)


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tracker.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_manage_py_is_development_with_no_variables_and_needs_no_key():
    for command in [("check",), ("createsuperuser", "--help"), ("import_rates", "--help")]:
        result = manage(*command)
        assert result.returncode == 0, (command, result.stdout + result.stderr)


def test_manage_py_is_development_and_production_is_one_switch_away():
    show = "from django.conf import settings; print(settings.DEBUG, settings.SECURE_SSL_REDIRECT)"
    development = manage("shell", "-v", "0", "-c", show)
    assert development.stdout.split() == ["True", "False"], development.stderr
    production = manage(
        "shell", "-v", "0", "-c", show, DJANGO_ENV="production", DJANGO_SECRET_KEY="k" * 50
    )
    assert production.stdout.split() == ["False", "True"], production.stderr


def wsgi_settings(**env):
    """Import the WSGI application in a fresh process (as gunicorn does) with only ``env`` as
    the tracker's settings; return the process, which prints DEBUG and the HTTPS settings."""
    code = (
        "import evmarket.wsgi; from django.conf import settings; "
        "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
        "settings.SECURE_HSTS_SECONDS)"
    )
    return fresh_python("-c", code, **env)


def test_the_wsgi_application_is_production_and_refuses_to_start_without_a_key():
    without = wsgi_settings()
    assert without.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in without.stderr
    served = wsgi_settings(DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert served.stdout.split() == ["False", "True", "True", "31536000"], served.stderr


def test_an_unknown_environment_is_refused_in_words():
    result = manage("check", DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV is “staging”: set it to development or production" in result.stderr


def test_plain_http_is_redirected_to_https_and_https_gets_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    plain = client.get("/companies/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/companies/"
    # Behind the proxy, which says the request came in over TLS.
    proxied = client.get("/companies/", headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# --- Headers on every page ---------------------------------------------------------------------


def every_page(reference):
    """Return the URLs of every analyst page, export and JSON endpoint, and of the admin's
    pages (index, each changelist, add and change form, history), for the reference data."""
    model = VehicleModel.objects.filter(prices__isnull=False).first()
    analyst = [
        "/",
        "/convert/?amount=215900&from=CNY&to=PKR&date=2024-09-28",
        "/convert/?amount=nonsense",
        f"/models/{model.slug}/price-history.json",
        "/no-such-page/",
    ]
    for path in [
        "companies",
        "models",
        "partnerships",
        "sightings",
        "prices",
        "events",
        "news",
        "people",
        "rates",
    ]:
        analyst += [f"/{path}/", f"/{path}/?format=csv", f"/{path}/?format=json"]
    for model_class in (Company, VehicleModel, NewsItem, Person):
        analyst.append(model_class.objects.first().get_absolute_url())
    for model_class in (Partnership, Sighting, PricePoint, MarketEvent):
        analyst.append(model_class.objects.first().get_absolute_url())
    pages = ["/admin/", "/admin/login/"]
    for model_class in registered_models():
        opts = model_class._meta
        obj = model_class._default_manager.first()
        pages += [
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        ]
        if obj is not None:
            pages += [
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
                reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]),
            ]
    return analyst + pages


def directives(header):
    """Return a Content-Security-Policy header as {directive: [sources]}."""
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_every_page_carries_the_security_headers(client, reference_data):
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    checked = 0
    for url in every_page(reference_data):
        response = client.get(url)
        assert response.status_code < 500, url
        policy = directives(response.get("Content-Security-Policy", ""))
        assert policy.get("script-src") == ["'self'"], (url, policy)
        assert policy.get("default-src") == ["'self'"], url
        assert policy.get("frame-ancestors") == ["'none'"], url
        assert policy.get("object-src") == ["'none'"], url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        checked += 1
    assert checked > 60


def test_a_page_from_the_page_cache_carries_the_headers_too(client, reference_data):
    first = client.get("/sightings/")
    again = client.get("/sightings/")
    assert again.context is None  # answered by the page cache, not rendered
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert again["X-Frame-Options"] == "DENY"


# --- Who may do what ---------------------------------------------------------------------------

ROLES = ["anonymous", "signed-in, not staff", "viewer", "editor", "superuser"]
ANALYST_PAGES = [
    "/",
    "/companies/",
    "/models/",
    "/partnerships/",
    "/sightings/",
    "/prices/",
    "/events/",
    "/news/",
    "/people/",
    "/rates/",
    "/sightings/?format=csv",
    "/prices/?format=json",
    "/convert/?amount=1&from=USD&to=PKR&date=2024-09-28",
]
TRACKED = [
    Company,
    VehicleModel,
    Person,
    NewsItem,
    Partnership,
    Sighting,
    PricePoint,
    MarketEvent,
    Statement,
    ExchangeRate,
]
LOGIN = 302  # sent to the admin login page
# What each role gets on each admin page of the tracker's records. Editors add and change but
# delete nothing; viewers only look; neither manages users.
TRACKED_MATRIX = {
    "changelist": {"viewer": 200, "editor": 200, "superuser": 200},
    "add": {"viewer": 403, "editor": 200, "superuser": 200},
    "change": {"viewer": 200, "editor": 200, "superuser": 200},
    "history": {"viewer": 200, "editor": 200, "superuser": 200},
    "version": {"viewer": 200, "editor": 200, "superuser": 200},
    "delete": {"viewer": 403, "editor": 403, "superuser": 200},
}
# Reverting to an earlier version writes: only those who may change the record may do it.
REVERT = {"viewer": 403, "editor": 302, "superuser": 302}
AUTH_MATRIX = {
    "changelist": {"viewer": 403, "editor": 403, "superuser": 200},
    "add": {"viewer": 403, "editor": 403, "superuser": 200},
    "change": {"viewer": 403, "editor": 403, "superuser": 200},
    "delete": {"viewer": 403, "editor": 403, "superuser": 200},
}
SPECIAL = {
    "index": {"viewer": 200, "editor": 200, "superuser": 200},
    "pricepoint import": {"viewer": 403, "editor": 200, "superuser": 200},
    "exchangerate import": {"viewer": 403, "editor": 200, "superuser": 200},
    "newsitem suggest": {"viewer": 403, "editor": 200, "superuser": 200},
}


@pytest.fixture
def users(db):
    made = {
        "signed-in, not staff": User.objects.create_user("reader", password="x"),
        "viewer": User.objects.create_user("viewer", password="x", is_staff=True),
        "editor": User.objects.create_user("editor", password="x", is_staff=True),
        "superuser": User.objects.create_superuser("boss", "boss@example.org", "x"),
    }
    made["viewer"].groups.add(Group.objects.get(name="Viewers"))
    made["editor"].groups.add(Group.objects.get(name="Editors"))
    return made


def as_role(client, users, role):
    client.logout()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def expected(table, role):
    if role in ("anonymous", "signed-in, not staff"):
        return LOGIN  # the admin is for staff only
    return table[role]


def earlier_version(model_class):
    """Return the first record of ``model_class`` and the URL of the page of its current
    version in its history (saving it once, so that it has one)."""
    obj = model_class.objects.first()
    obj.save()
    version = obj.history.first()
    opts = model_class._meta
    url = reverse(f"admin:entrants_{opts.model_name}_simple_history", args=[obj.pk, version.pk])
    return obj, url


def admin_urls(reference):
    """Yield (label, url, expectations) for every admin page of the matrix."""
    for model_class in TRACKED:
        opts = model_class._meta
        obj, version_url = earlier_version(model_class)
        name = f"admin:entrants_{opts.model_name}"
        yield opts.model_name, "changelist", reverse(f"{name}_changelist")
        yield opts.model_name, "add", reverse(f"{name}_add")
        yield opts.model_name, "change", reverse(f"{name}_change", args=[obj.pk])
        yield opts.model_name, "history", reverse(f"{name}_history", args=[obj.pk])
        yield opts.model_name, "version", version_url
        yield opts.model_name, "delete", reverse(f"{name}_delete", args=[obj.pk])


def test_every_tracked_model_in_the_admin_is_in_the_matrix():
    registered = {m for m in registered_models() if m._meta.app_label == "entrants"}
    # Place (the gazetteer) keeps no history, so it has no history or version pages: its
    # permissions are checked by test_only_editors_add_places.
    assert registered == set(TRACKED) | {Place}


def test_only_editors_add_places(client, users):
    expected = {"viewer": (200, 403), "editor": (200, 200), "superuser": (200, 200)}
    for role, (listed, added) in expected.items():
        as_role(client, users, role)
        changelist = client.get(reverse("admin:entrants_place_changelist"))
        add = client.get(reverse("admin:entrants_place_add"))
        assert (changelist.status_code, add.status_code) == (listed, added), role


def test_admin_permission_matrix(client, reference_data, users):
    news = NewsItem.objects.first()
    wrong = []
    pages = [
        (label, action, url, TRACKED_MATRIX[action])
        for label, action, url in admin_urls(reference_data)
    ]
    for model_class in (User, Group):
        opts = model_class._meta
        name = f"admin:auth_{opts.model_name}"
        obj = model_class.objects.first()
        pages += [
            (
                opts.model_name,
                "changelist",
                reverse(f"{name}_changelist"),
                AUTH_MATRIX["changelist"],
            ),
            (opts.model_name, "add", reverse(f"{name}_add"), AUTH_MATRIX["add"]),
            (
                opts.model_name,
                "change",
                reverse(f"{name}_change", args=[obj.pk]),
                AUTH_MATRIX["change"],
            ),
            (
                opts.model_name,
                "delete",
                reverse(f"{name}_delete", args=[obj.pk]),
                AUTH_MATRIX["delete"],
            ),
        ]
    pages += [
        ("admin", "index", reverse("admin:index"), SPECIAL["index"]),
        (
            "pricepoint",
            "import",
            reverse("admin:entrants_pricepoint_import"),
            SPECIAL["pricepoint import"],
        ),
        (
            "exchangerate",
            "import",
            reverse("admin:entrants_exchangerate_import"),
            SPECIAL["exchangerate import"],
        ),
        (
            "newsitem",
            "suggest",
            reverse("admin:entrants_newsitem_suggest", args=[news.pk]),
            SPECIAL["newsitem suggest"],
        ),
    ]
    for role in ROLES:
        as_role(client, users, role)
        for label, action, url, table in pages:
            status = client.get(url).status_code
            if status != expected(table, role):
                wrong.append(
                    f"{role} {label} {action} {url}: {status}, not {expected(table, role)}"
                )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("model_class", TRACKED, ids=lambda model: model._meta.model_name)
def test_only_those_who_may_change_a_record_can_revert_it(
    client, reference_data, users, model_class
):
    """The version page's form, posted back as the page shows it (a Viewer sees no Revert
    button, but the form is there): a Viewer's revert is refused and writes nothing."""
    obj, url = earlier_version(model_class)
    for role in ROLES:
        as_role(client, users, role)
        page = client.get(url)
        if role in ("anonymous", "signed-in, not staff"):
            assert page.status_code == LOGIN
            assert client.post(url, {}).status_code == LOGIN
            continue
        assert page.status_code == 200, role
        assert ('name="_save"' in page.content.decode()) == (REVERT[role] == 302), role
        versions = obj.history.count()
        response = client.post(url, admin_form_data(page))
        assert response.status_code == REVERT[role], (role, getattr(response, "context", None))
        expected_versions = versions + (1 if REVERT[role] == 302 else 0)
        assert obj.history.count() == expected_versions, role
        if REVERT[role] != 302:
            assert obj.history.first().history_user != users[role]


def test_a_viewer_cannot_change_or_delete_by_posting(client, reference_data, users):
    as_role(client, users, "viewer")
    company = Company.objects.first()
    change = reverse("admin:entrants_company_change", args=[company.pk])
    assert client.post(change, {"name": "Renamed"}).status_code == 403
    delete = reverse("admin:entrants_company_delete", args=[company.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    company.refresh_from_db()
    assert company.name != "Renamed"


@pytest.mark.parametrize("url", ANALYST_PAGES)
def test_analyst_pages_are_public_and_read_only(client, reference_data, users, url):
    for role in ROLES:
        as_role(client, users, role)
        assert client.get(url).status_code == 200, (role, url)
        for method in (client.post, client.put, client.delete, client.patch):
            response = method(url)
            assert response.status_code == 405, (role, method.__name__, url)
            assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


@pytest.mark.parametrize("with_cookie", [False, True], ids=["no CSRF cookie", "CSRF cookie"])
def test_analyst_pages_answer_405_to_writes_with_or_without_a_csrf_token(
    reference_data, with_cookie
):
    """A client that enforces CSRF, as browsers do: the answer is the same 405 either way."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    if with_cookie:
        strict.cookies["csrftoken"] = "x" * 32
    for url in ["/sightings/", "/prices/?format=csv", "/convert/?amount=1&from=USD&to=PKR"]:
        for method in (strict.post, strict.put, strict.patch, strict.delete):
            response = method(url, headers={"x-csrftoken": "x" * 32} if with_cookie else {})
            assert response.status_code == 405, (method.__name__, url, with_cookie)


def test_a_setting_can_require_login_for_analyst_pages(client, reference_data, users, settings):
    settings.ANALYST_LOGIN_REQUIRED = True
    response = client.get("/sightings/?city=karachi")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert "city%3Dkarachi" in response["Location"]
    # A page cached for a signed-in reader is not given to an anonymous one.
    as_role(client, users, "viewer")
    assert client.get("/sightings/").status_code == 200
    client.logout()
    assert client.get("/sightings/").status_code == 302
    for role in ("signed-in, not staff", "viewer", "editor", "superuser"):
        as_role(client, users, role)
        assert client.get("/prices/").status_code == 200, role


# --- Login throttling --------------------------------------------------------------------------


def log_in(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_failed_logins_lock_the_login_and_a_reset_releases_it(client, settings):
    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "boss", "wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    locked = log_in(client, "boss", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Locked: even the right password is refused now.
    assert log_in(client, "boss", "right-password").status_code == 429
    call_command("axes_reset", verbosity=0)
    released = log_in(client, "boss", "right-password")
    assert released.status_code == 302
    assert released["Location"] == "/admin/"


def test_a_lock_ends_after_the_cool_off(client, settings):
    from axes.models import AccessAttempt

    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "boss", "wrong")
    assert log_in(client, "boss", "right-password").status_code == 429
    # The cool-off has passed: the failures are older than it.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - settings.AXES_COOLOFF_TIME * 2
    )
    assert log_in(client, "boss", "right-password").status_code == 302


def test_a_lock_is_for_that_user_name_not_for_everyone(client, settings):
    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    User.objects.create_superuser("other", "other@example.org", "other-password")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "boss", "wrong")
    assert log_in(client, "boss", "right-password").status_code == 429
    assert log_in(client, "other", "other-password").status_code == 302


def test_a_successful_login_resets_the_count(client, settings):
    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "boss", "wrong")
    assert log_in(client, "boss", "right-password").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "boss", "wrong").status_code == 200
    assert log_in(client, "boss", "right-password").status_code == 302


def log_in_from(client, forwarded_for, username, password):
    """Log in through the proxy, which passes ``forwarded_for`` on as X-Forwarded-For."""
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        headers={"x-forwarded-for": forwarded_for},
    )


def test_behind_the_proxy_forged_forwarded_entries_do_not_escape_the_lock(client, settings):
    """The client writes what it likes before the entry the proxy appends: rotating it must
    not give it more tries."""
    settings.PROXY_COUNT = 1
    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        forged = f"198.51.100.{attempt}, 203.0.113.7"  # what nginx passes on
        assert log_in_from(client, forged, "boss", "wrong").status_code in (200, 429)
    locked = log_in_from(client, "198.51.100.99, 203.0.113.7", "boss", "right-password")
    assert locked.status_code == 429


def test_behind_the_proxy_one_client_locks_only_itself(client, settings):
    """An ordinary browser sends no X-Forwarded-For, so nginx passes one entry: its address.
    Five failures from one address must not lock the account for everyone else."""
    settings.PROXY_COUNT = 1
    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_from(client, "203.0.113.7", "boss", "wrong")
    assert log_in_from(client, "203.0.113.7", "boss", "right-password").status_code == 429
    assert log_in_from(client, "203.0.113.8", "boss", "right-password").status_code == 302


def test_without_a_proxy_the_forwarded_header_is_ignored(client, settings):
    settings.PROXY_COUNT = 0
    User.objects.create_superuser("boss", "boss@example.org", "right-password")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in_from(client, f"198.51.100.{attempt}", "boss", "wrong")
    assert log_in_from(client, "198.51.100.99", "boss", "right-password").status_code == 429


@pytest.mark.parametrize(
    "proxies, forwarded, client",
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.1, 198.51.100.2, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.2, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        (1, "2001:db8::7", "2001:db8::7"),
        (2, "203.0.113.7", "127.0.0.1"),  # sent past the outer proxy: not all proxies wrote
        (1, "", "127.0.0.1"),  # straight to the app server, on loopback
        (1, "not-an-address", "127.0.0.1"),
        (0, "203.0.113.7", "127.0.0.1"),
    ],
)
def test_the_client_is_the_nth_address_from_the_end(rf, settings, proxies, forwarded, client):
    from evmarket.proxy import client_ip

    settings.PROXY_COUNT = proxies
    request = rf.get("/", headers={"x-forwarded-for": forwarded} if forwarded else {})
    assert client_ip(request) == client


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\s(on[a-z]+)\s*=", re.I)


def test_no_page_has_inline_script_that_the_policy_would_refuse(client, reference_data):
    """What the browser tests see as a CSP violation, checked on every page without a browser
    (pages the browser tests do not visit included: the admin's export page had one)."""
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    pages = every_page(reference_data) + [
        reverse("admin:entrants_pricepoint_export"),
        reverse("admin:entrants_exchangerate_export"),
    ]
    found = []
    for url in pages:
        response = client.get(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        text = response.content.decode()
        found += [f"{url}: {match.group(0)[:80]}" for match in INLINE_SCRIPT.finditer(text)]
        found += [f"{url}: {match.group(1)}=" for match in INLINE_HANDLER.finditer(text)]
    assert not found, "\n".join(found)


# --- Hostile input (tests/test_fuzz.py sends thousands more) --------------------------------


def test_a_search_of_too_many_words_is_ignored_with_a_message(client, reference_data):
    response = client.get("/companies/", {"q": " ".join(["xiaomi"] * 11)})
    assert response.status_code == 200
    assert any("at most 10 words" in error for error in response.context["errors"])
    assert client.get("/companies/", {"q": "xiaomi", "format": "csv"}).status_code == 200
    assert client.get("/companies/", {"q": "a " * 11, "format": "csv"}).status_code == 400


def test_a_huge_query_string_is_refused_in_words(client):
    response = client.get("/sightings/", {"q": "x" * 8_001})
    assert response.status_code == 414
    assert "longer than 8,000 characters" in response.content.decode()


def test_a_slug_with_a_nul_byte_is_not_found(client, reference_data):
    assert client.get("/companies/xiaomi%00/").status_code == 404
    assert client.get("/companies/xiaomi/").status_code == 200


def test_an_amount_too_large_to_convert_is_refused_in_words(client, reference_data):
    response = client.get("/convert/", {"amount": "1e30", "from": "PKR", "to": "PKR"})
    assert response.status_code == 400
    assert "too large" in response.json()["errors"][0]


def staff_with(*codenames):
    """Return a staff user holding exactly the entrants permissions ``codenames``."""
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("partial", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="entrants", codename__in=codenames)
    )
    return user


def test_an_import_needs_both_add_and_change_permission(client, reference_data):
    """An import adds rows and changes the stored rows it matches."""
    client.force_login(staff_with("view_exchangerate", "add_exchangerate"))
    assert client.get(reverse("admin:entrants_exchangerate_import")).status_code == 403
    response = client.post(
        reverse("admin:entrants_exchangerate_process_import"),
        {"import_file_name": "0" * 32, "original_file_name": "rates.csv", "format": "0"},
    )
    assert response.status_code == 403


def test_accepting_suggestions_needs_the_permission_to_add_what_they_create(client, reference_data):
    news = NewsItem.objects.first()
    url = reverse("admin:entrants_newsitem_suggest", args=[news.pk])
    client.force_login(staff_with("view_newsitem", "change_newsitem"))
    assert client.get(url).status_code == 200  # reading the suggestions is changing nothing
    assert client.post(url, {}).status_code == 403


def test_an_api_rate_drf_could_not_read_stops_the_start_in_words():
    result = manage("check", DJANGO_ENV="development", DJANGO_API_ANON_RATE="lots")
    assert result.returncode != 0
    assert "DJANGO_API_ANON_RATE is 'lots'" in result.stderr
    fine = manage("check", DJANGO_ENV="development", DJANGO_API_USER_RATE="5/hour")
    assert fine.returncode == 0, fine.stderr
