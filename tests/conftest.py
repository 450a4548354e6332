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
