"""Schemathesis against the API's own OpenAPI schema, on whichever database the suite runs
(CI runs it on SQLite and on PostgreSQL): generated requests to every operation, with valid
and invalid parameters, must never meet a server error, and every answer must match the schema.

Every check Schemathesis has but ``positive_data_acceptance`` (see ``NOT_CHECKED``).
Seeded and bounded (``max_examples`` per operation), so a run takes the same requests and about
the same time. (Schemathesis's ``from_fixture`` does not run under pytest 9 yet, so the
operations are walked here, each with its own Hypothesis run.)"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

import evmarket.wsgi

EXAMPLES_PER_OPERATION = 25
# Every check but one: that any value the schema allows is accepted. The filters' choices
# (model, maker, company slugs, countries) come from the data, and the schema gives them as
# strings, so a made-up slug is "schema-valid" and rightly answered 400.
NOT_CHECKED = [positive_data_acceptance]


@pytest.fixture
def api_schema(reference_data, settings):
    # Schemathesis sends its own Host header; throttling would answer 429 to its hundreds.
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    # Called straight, the WSGI application would close the test's database connection at the
    # end of each request (and with it the test's transaction): Django's test client keeps it
    # open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", evmarket.wsgi.application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def check(operation):
    """Run the operation's generated cases; return the failure in words, or None."""

    @given(case=operation.as_strategy())
    @seed(16)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(excluded_checks=NOT_CHECKED)

    try:
        run()
    except Exception as error:  # each operation's failure is reported, not only the first
        return f"{operation.label}: {error}"
    return None


@pytest.mark.django_db
def test_every_operation_answers_what_its_schema_says_and_never_a_server_error(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20  # ten kinds, each a list and a detail, and the schema
    failures = [failure for operation in operations if (failure := check(operation))]
    assert not failures, "\n\n".join(failures)
