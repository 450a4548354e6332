import pytest


@pytest.fixture(autouse=True)
def _test_storage(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never into var/; static files are
    found without a collectstatic manifest."""
    settings.MEDIA_ROOT = tmp_path / "media"
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
