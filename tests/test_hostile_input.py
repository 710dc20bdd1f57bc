"""Arbitrary query parameters never make a public page, the API or a feed fail."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_clause, make_topic

pytestmark = pytest.mark.django_db

PARAMETERS = ["on", "party", "topic", "page", "page_size", "kind", "effect", "date_from"]
PARAMETERS += ["date_to", "in_force_on", "sort", "format"]
URLS = ["kb:in_force", "api:clauses", "api:announcements", "kb:feed_announcements"]


@pytest.fixture
def some_data():
    make_clause(topics=[make_topic("Cloud")])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(URLS),
    params=st.dictionaries(st.sampled_from(PARAMETERS), st.text(max_size=30), max_size=4),
)
def test_arbitrary_parameters_give_a_page_or_a_clear_error(client, some_data, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code in {200, 400, 404}
