"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

import os
import shutil
from pathlib import Path

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

ARTIFACTS = Path(__file__).parent / "artifacts"  # screenshots to look at (git-ignored)
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def restore_migrated_database():
    """The database as the migrations left it (categories, groups, the calendar): a live-server
    test ends with a flush. The copy is the one ``serialized_rollback`` has taken."""
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    connection = connections[DEFAULT_DB_ALIAS]
    connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


class BrowserTestCase(StaticLiveServerTestCase):
    """One Chromium for the class (``cls.browser``), on the database as the migrations left it
    (groups, categories, the calendar): a live-server test ends with a flush, so the migrated data
    is put back before Playwright starts (its greenlets give Django a fresh connection object
    without the serialized copy) and again after, whatever order the classes run in."""

    serialized_rollback = True

    @classmethod
    def setUpClass(cls):
        if not CHROMIUM:
            raise AssertionError("Chromium is missing: run bin/setup (Debian package chromium).")
        restore_migrated_database()
        # Playwright's sync API runs an event loop in this thread; the ORM calls made between
        # browser steps are still plain synchronous code.
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ARTIFACTS.mkdir(exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe
        restore_migrated_database()
