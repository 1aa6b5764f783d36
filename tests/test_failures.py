"""Failure drills: a save the database refuses leaves nothing half-written and tells the editor
why, on the form they filled in. The drills in ``drills/`` (run when ``RUN_DRILLS=1``): a
PostgreSQL restart under load costs only the requests made during the restart; a Redis that
stops, hangs or fills up leaves every analyst page answering; a large import leaves other
editors' saves answering within a second; behind the nginx of docs/nginx.conf, slow clients
hold up no one."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.db import OperationalError, connection, connections
from django.urls import reverse

from entrants import gazetteer
from entrants.admin import NewsItemAdmin
from entrants.cache import data_version
from entrants.models import Company, NewsItem, Place, Sighting
from tests import factories
from tests.test_admin import inline_form, news_item_form

ROOT = Path(__file__).resolve().parent.parent
REFUSED = "Nothing was saved: the database refused the change"
TYPED_HEADLINE = "Typed headline the editor must not lose"


@pytest.fixture
def gazetteer_places(db):
    """The gazetteer's places, as migration 0012 stores them: a transactional test before
    this one empties every table, and a sighting's city would then be written into the table
    (in the refused transaction) rather than found."""
    if not Place.objects.exists():
        gazetteer.sync_places(Place)


@contextmanager
def sighting_trigger(when, sqlite_body, postgres_body):
    """Run a trigger's body in the database itself on every insert of a sighting at place
    "boom" (``when`` is BEFORE or AFTER), for the duration of the block."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER drill {when} INSERT ON entrants_sighting "
                f"WHEN NEW.place = 'boom' BEGIN {sqlite_body}; END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION drill() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {postgres_body}; RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER drill {when} INSERT ON entrants_sighting FOR EACH ROW "
                "WHEN (NEW.place = 'boom') EXECUTE FUNCTION drill()"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER IF EXISTS drill")
            else:
                cursor.execute("DROP FUNCTION IF EXISTS drill() CASCADE")


def sighting_rejected_by_the_database():
    """Make the database refuse a sighting at "boom" as it is inserted: mid-save, after the
    news item and the first sighting were written."""
    return sighting_trigger(
        "BEFORE",
        "SELECT RAISE(ABORT, 'rejected by the drill')",
        "RAISE EXCEPTION 'rejected by the drill' USING ERRCODE = 'check_violation'",
    )


def sighting_refused_at_commit():
    """Make a sighting at "boom" cite a news item that does not exist: a foreign key the
    database checks only at COMMIT, after the admin has done everything else."""
    table = Sighting.other_sources.through._meta.db_table
    insert = f"INSERT INTO {table} (sighting_id, newsitem_id) VALUES (NEW.id, -1)"
    return sighting_trigger("AFTER", insert, insert)


@contextmanager
def read_only_database():
    """Make the database refuse every write on this connection, as a read-only replica or a
    database set read-only during maintenance would; writable again afterwards."""
    on, off = (
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF")
        if connection.vendor == "sqlite"
        else ("SET default_transaction_read_only = on", "RESET default_transaction_read_only")
    )
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


def written_rows():
    """Return the counts of everything a news item save writes."""
    return {
        "news items": NewsItem.objects.count(),
        "sightings": Sighting.objects.count(),
        "news history": NewsItem.history.count(),
        "sighting history": Sighting.history.count(),
        "admin log": LogEntry.objects.count(),
        "data version": data_version(),
    }


def sighting_fields(vehicle_model, place, **extra):
    """Return the fields of a sighting inline form."""
    return {
        "vehicle_model": vehicle_model.pk,
        "kind": "sighted",
        "claim_status": "reported",
        "place": place,
        "city": "Karachi",
        "quantity": "2",
        "date": "2024-10-01",
        "date_precision": "day",
        "notes": "",
        **extra,
    }


def news_with_two_sightings(publisher, vehicle_model, news=None):
    """Return the POST data of a news item form (add, or change of ``news``) with two new
    sightings, the second at the place the database rejects."""
    data = news_item_form(publisher, headline=TYPED_HEADLINE, slug="typed-headline")
    if news is not None:
        data.update(edit_token=news.updated_at.isoformat(), url=news.url, slug=news.slug)
    data.update(inline_form("sightings", 0, **sighting_fields(vehicle_model, "Karachi port")))
    data.update(inline_form("sightings", 1, **sighting_fields(vehicle_model, "boom")))
    return data


def assert_refused_on_the_form(response, reason):
    """Assert the editor got the form back, with their input and the reason at the top."""
    assert response.status_code == 200
    content = response.content.decode()
    assert f"{REFUSED} ({reason}" in content
    assert content.index(REFUSED) < content.index('name="headline"')  # above the fields
    assert f'value="{TYPED_HEADLINE}"' in content
    assert 'value="boom"' in content  # the inline rows too


@pytest.mark.django_db
@pytest.mark.parametrize("existing", [False, True], ids=["add", "change"])
def test_a_constraint_violation_mid_inline_save_writes_nothing_and_says_why(
    admin_client, caplog, existing
):
    publisher = factories.PublisherFactory()
    model = factories.VehicleModelFactory()
    news = factories.NewsItemFactory(publisher=publisher, headline="Old") if existing else None
    url = (
        reverse("admin:entrants_newsitem_change", args=[news.pk])
        if existing
        else reverse("admin:entrants_newsitem_add")
    )
    before = written_rows()

    with sighting_rejected_by_the_database():
        response = admin_client.post(url, news_with_two_sightings(publisher, model, news))

        assert_refused_on_the_form(response, "rejected by the drill")
        assert "It breaks a rule the database enforces" in response.content.decode()
        assert written_rows() == before
        if existing:
            news.refresh_from_db()
            assert news.headline == "Old"
    assert any(
        record.name == "entrants.admin" and record.levelname == "ERROR" for record in caplog.records
    )


@pytest.mark.django_db(transaction=True)  # so that the admin's transaction is committed
def test_a_refusal_at_commit_writes_nothing_and_takes_back_the_success_message(
    admin_client, gazetteer_places
):
    publisher = factories.PublisherFactory()
    model = factories.VehicleModelFactory()
    before = written_rows()

    with sighting_refused_at_commit():
        response = admin_client.post(
            reverse("admin:entrants_newsitem_add"), news_with_two_sightings(publisher, model)
        )

    assert_refused_on_the_form(response, "")
    assert "successfully" not in response.content.decode()
    assert written_rows() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [False, True], ids=["add", "change"])
def test_a_read_only_database_writes_nothing_and_says_why(admin_client, existing, gazetteer_places):
    publisher = factories.PublisherFactory()
    model = factories.VehicleModelFactory()
    data = news_item_form(publisher, headline=TYPED_HEADLINE, slug="typed")
    if existing:
        # A change of an existing sighting too: its stale-save check locks the row first, which
        # a read-only PostgreSQL refuses as well.
        news = factories.NewsItemFactory(publisher=publisher, headline="Old")
        sighting = factories.SightingFactory(source=news, vehicle_model=model, place="Port")
        url = reverse("admin:entrants_newsitem_change", args=[news.pk])
        data.update(edit_token=news.updated_at.isoformat(), url=news.url, slug=news.slug)
        token = sighting.updated_at.isoformat()
        fields = sighting_fields(model, "boom", id=sighting.pk, edit_token=token)
        data.update(inline_form("sightings", 0, **fields), **{"sightings-INITIAL_FORMS": "1"})
    else:
        url = reverse("admin:entrants_newsitem_add")
        data.update(inline_form("sightings", 0, **sighting_fields(model, "boom")))
    before = written_rows()

    with read_only_database():
        response = admin_client.post(url, data)

    reason = (
        "attempt to write a readonly database"
        if connection.vendor == "sqlite"
        else "cannot execute "
    )
    assert_refused_on_the_form(response, reason)
    assert "The database may be read-only or restarting" in response.content.decode()
    assert written_rows() == before
    if existing:
        news.refresh_from_db()
        sighting.refresh_from_db()
        assert (news.headline, sighting.place) == ("Old", "Port")


@pytest.mark.django_db(transaction=True)
def test_a_revert_the_database_refuses_writes_nothing_and_says_why(admin_client):
    company = factories.CompanyFactory(name="Air Link", description="Phones")
    company.description = "Vandalised"
    company.save()
    original = company.history.earliest()
    url = reverse("admin:entrants_company_simple_history", args=[company.pk, original.pk])
    data = {
        "name": company.name,
        "slug": company.slug,
        "kind": company.kind,
        "country": str(company.country),
        "parent": "",
        "description": "Phones",
        "website": company.website,
        "edit_token": company.updated_at.isoformat(),
    }
    before = written_rows() | {"company history": Company.history.count()}

    with read_only_database():
        response = admin_client.post(url, data)

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    company.refresh_from_db()
    assert company.description == "Vandalised"
    assert written_rows() | {"company history": Company.history.count()} == before


@pytest.mark.django_db
def test_a_database_that_stops_answering_gets_a_503_not_a_server_error(admin_client, monkeypatch):
    publisher = factories.PublisherFactory()
    model = factories.VehicleModelFactory()
    before = written_rows()

    def database_gone(*args, **kwargs):
        """Fail as a lost database connection would, while the form is shown again."""
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(NewsItemAdmin, "render_change_form", database_gone)
    with sighting_rejected_by_the_database():
        response = admin_client.post(
            reverse("admin:entrants_newsitem_add"), news_with_two_sightings(publisher, model)
        )

        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        content = response.content.decode()
        assert f"{REFUSED} (rejected by the drill)" in content
        assert "go back in your browser" in content
        assert written_rows() == before


@pytest.mark.skipif(
    os.environ.get("RUN_DRILLS") != "1",
    reason="a failure drill: serves the app with gunicorn on a PostgreSQL database of its own, "
    "and restarts the local PostgreSQL or runs Redis servers (set RUN_DRILLS=1 to run it)",
)
@pytest.mark.parametrize(
    "drill", ["postgres_restart", "redis_outage", "import_under_load", "slow_clients"]
)
def test_failure_drill(drill):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail(
            "the failure drills restart PostgreSQL and stop Redis under the other workers: "
            "run them in one process (make test TEST_WORKERS=0, as .ci/run does)"
        )
    try:
        result = subprocess.run(
            [sys.executable, f"drills/{drill}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=360,
        )
    finally:
        # The restart dropped this process's connections too; the next test opens new ones.
        connections.close_all()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
