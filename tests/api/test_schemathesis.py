"""schemathesis, with all its checks, against the generated OpenAPI document: every
request it makes from the document (valid and invalid) is answered as the document
says, in status, content type, headers and body. In-process, through kb's WSGI
application, on the test database (both databases: run with DATABASE_URL too)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=False)]


# Read once, at collection: generating the document reads no record.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def records(db):
    # As Django's test client does: the test's transaction holds the records, so the
    # end of a request must not close the connection (it would on PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    party, topic = make_party("Microsoft"), make_topic("Exclusivity")
    make_clause(
        make_announcement("Partnership", parties=[party]),
        "Exclusive licence",
        "Microsoft holds an exclusive licence.",
        topics=[topic],
        parties=[party],
    )
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# The records are made once for each operation's examples, which only read them.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_api_answers_as_its_schema_says(case, records):
    if case.operation.path != "/api/clauses/":
        case.call_and_validate()
        return
    # Some well-formed clause searches are refused, as the document says of each: a
    # party or topic slug that names no public party or topic, a query with nothing
    # to search for ("***") or too many terms, a day the month does not have
    # ("2025-02-30"). Such a 400 must still be the
    # documented error (the other checks); any other refusal fails here.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    if case.meta.generation.mode.is_positive and response.status_code == 400:
        assert set(response.json()["errors"]) <= {"party", "topic", "q", "date_from", "date_to"}, (
            response.text
        )
