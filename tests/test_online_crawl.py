"""The public crawl (tests/test_public_crawl.py) again, with online applications full of the
same secrets in every state — waiting, confirmed as a request, turned away — so that no public
page, feed, sitemap or cached page shows what an applicant typed (issue 13)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache

from disclosure.models import Agency
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_confirm, application_reject, application_submit
from tests import test_public_crawl as crawl

SECRETS = crawl.SECRETS


def _application(agency, n) -> OnlineApplication:
    application, _password = application_submit(
        application=OnlineApplication(
            agency=agency,
            applicant_kind="citizen",
            applicant_type="natural_person",
            name=SECRETS["applicant_name"],
            id_type="id_card",
            id_number="11010519491231002X",
            phone=SECRETS["applicant_phone"],
            email=SECRETS["applicant_email"],
            address=SECRETS["applicant_address"],
            info_title=SECRETS["subject"],
            description=SECRETS["subject"] + f"（{n}）",
            form_wanted="paper",
            delivery="pickup",
            consent=True,
        )
    )
    return application


class OnlineCrawlTests(crawl.CrawlTests):
    # Only the crawl itself: the other checks of the base class do not involve applications.
    test_searching_for_a_secret_finds_nothing = None
    test_unpublished_items_and_their_attachments_are_404_when_asked_directly = None

    def setUp(self):
        super().setUp()
        clerk = get_user_model().objects.get(username="manager")
        for agency in Agency.objects.all():
            _application(agency, 1)
            confirmed = _application(agency, 2)
            application_confirm(
                application=confirmed, user=clerk, confirmed_on=datetime.date(2024, 3, 4)
            )
            application_reject(
                application=_application(agency, 3), user=clerk, reason=SECRETS["notes"]
            )

    def test_it_finds_no_secret_on_any_public_url(self):
        statuses = self.crawl()
        for agency in self.agencies:
            self.assertEqual(statuses.get(f"/{agency.code}/apply/"), 200)
            self.assertEqual(statuses.get(f"/{agency.code}/apply/status/"), 200)
        # The cache as stored (the locmem cache of the tests keeps pickled bytes, in which
        # strings and page bodies are UTF-8).
        stored = b"".join(cache._cache.values())  # noqa: SLF001
        self.assertGreater(len(stored), 0)
        leaked = [name for name, secret in SECRETS.items() if secret.encode() in stored]
        self.assertEqual(leaked, [], "in the cache")
