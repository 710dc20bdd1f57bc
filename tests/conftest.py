import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-12345")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
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
