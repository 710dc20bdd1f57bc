import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

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


@pytest.fixture(autouse=True)
def logins_unthrottled(settings):
    """Tests log in with ``client.login()``, which calls authenticate() without a
    request, and django-axes refuses that. Login throttling has its own tests
    (tests/test_login_throttle.py), which turn it back on."""
    settings.AXES_ENABLED = False
    settings.AUTHENTICATION_BACKENDS = [
        backend for backend in settings.AUTHENTICATION_BACKENDS if not backend.startswith("axes.")
    ]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Production's PBKDF2 takes a good fraction of a second per login on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached (the home page caches its counts)."""
    cache.clear()


@pytest.fixture(autouse=True)
def search_index_per_test(settings, tmp_path):
    """Each test searches an index of its own, built from its own records on first
    use (kb/search/index.py): an index outlives the test's rolled-back transaction."""
    settings.KB_SEARCH_INDEX_DIR = tmp_path / "search"
