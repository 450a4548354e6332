import pytest


@pytest.fixture(autouse=True)
def _test_storage(settings, tmp_path):
    """Uploaded and generated files (and ledgers waiting for confirmation) go to a temporary
    folder, never into var/; static files are found without a collectstatic manifest."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_PENDING_DIR = tmp_path / "pending-imports"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _test_cache(settings):
    """Each test starts with an empty in-memory cache (the page cache and template fragments),
    never the files in var/cache."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tests",
        },
        "fragments": settings.CACHES["fragments"],
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """A fast hasher for the passwords the tests set and check, for the whole session (users
    made in ``setUpTestData`` too): a million PBKDF2 rounds per login would slow every login
    test. What is stored and compared is otherwise the same."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield
