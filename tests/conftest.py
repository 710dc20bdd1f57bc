import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-12345")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def editor(db):
    return make_user("eddie", role="Editors")


@pytest.fixture
def publisher(db):
    return make_user("paula", role="Publishers")


@pytest.fixture
def reader(db):
    return make_user("rita", role="Readers")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client
