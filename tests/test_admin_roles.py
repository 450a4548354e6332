"""Clerks prepare drafts; only managers publish."""

import datetime

from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from disclosure.models import Category, Disclosure
from disclosure.records import services
from tests.adminforms import admin_post_data
from tests.factories import log_in, make_agency, make_clerk, make_disclosure, make_manager

# The admin actions reserved to managers. Tests assert them present for a manager as well as
# absent for a clerk, so a misspelled name here fails instead of passing vacuously.
PUBLISH = "publish_selected"
WITHDRAW = "withdraw_selected"


class PublishingRoleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.manager = make_manager("manager", cls.agency)

    def _post(self, url, **extra):
        fields = {
            "title": "关于某事的通知",
            "category": Category.objects.get(slug="notice").pk,
            "status": "published",
            "published_on": "2020-05-01",
            **extra,
        }
        return self.client.post(url, admin_post_data(self.client.get(url), **fields))

    def test_it_saves_a_clerks_new_item_as_a_draft_even_if_published_is_posted(self):
        log_in(self.client, self.clerk)
        response = self._post(reverse("admin:disclosure_disclosure_add"))
        self.assertEqual(response.status_code, 302)
        item = Disclosure.objects.get()
        self.assertEqual(item.status, Disclosure.Status.DRAFT)
        self.assertIsNone(item.published_on)

    def _offered_actions(self, user) -> list[str]:
        """The names of the actions in the changelist's action menu, as ``user`` sees it."""
        make_disclosure(self.agency, status="draft")
        log_in(self.client, user)
        response = self.client.get(reverse("admin:disclosure_disclosure_changelist"))
        self.assertEqual(response.status_code, 200)
        action_form = response.context_data["action_form"]
        if action_form is None:
            return []
        return [name for name, _label in action_form.fields["action"].choices if name]

    def test_it_offers_managers_the_publish_and_withdraw_actions(self):
        offered = self._offered_actions(self.manager)
        self.assertIn(PUBLISH, offered)
        self.assertIn(WITHDRAW, offered)

    def test_it_does_not_offer_clerks_the_publish_action(self):
        offered = self._offered_actions(self.clerk)
        self.assertNotIn(PUBLISH, offered)
        self.assertNotIn(WITHDRAW, offered)

    def test_it_refuses_a_clerks_publish_action_post(self):
        item = make_disclosure(self.agency, status="draft")
        log_in(self.client, self.clerk)
        self.client.post(
            reverse("admin:disclosure_disclosure_changelist"),
            {"action": PUBLISH, "_selected_action": [item.pk]},
        )
        item.refresh_from_db()
        self.assertEqual(item.status, Disclosure.Status.DRAFT)

    def test_it_refuses_publishing_by_a_clerk_in_the_service(self):
        item = make_disclosure(self.agency, status="draft")
        with self.assertRaises(PermissionDenied):
            services.disclosure_publish(disclosure=item, user=self.clerk)

    def test_it_lets_a_clerk_not_change_a_published_item(self):
        item = make_disclosure(self.agency, status="published")
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosure_change", args=[item.pk])
        response = self.client.post(url, {"title": "篡改后的标题", "agency": self.agency.pk})
        self.assertEqual(response.status_code, 404)  # refused like a missing record
        item.refresh_from_db()
        self.assertNotEqual(item.title, "篡改后的标题")

    def test_it_lets_a_manager_publish_with_an_index_number(self):
        item = make_disclosure(self.agency, status="draft")
        log_in(self.client, self.manager)
        self.client.post(
            reverse("admin:disclosure_disclosure_changelist"),
            {"action": PUBLISH, "_selected_action": [item.pk]},
        )
        item.refresh_from_db()
        self.assertEqual(item.status, Disclosure.Status.PUBLISHED)
        self.assertEqual(item.published_on, datetime.date.today())
        self.assertTrue(item.index_number.startswith(f"{self.agency.code}/"))

    def test_it_keeps_yearly_figures_for_managers(self):
        log_in(self.client, self.clerk)
        self.assertEqual(
            self.client.get(reverse("admin:disclosure_yearlyfigures_add")).status_code, 404
        )
        log_in(self.client, self.manager)
        self.assertEqual(
            self.client.get(reverse("admin:disclosure_yearlyfigures_add")).status_code, 200
        )

    def test_it_refuses_a_clerk_reverting_to_a_published_version(self):
        item = make_disclosure(self.agency, status="draft")
        services.disclosure_publish(disclosure=item, user=self.manager)
        published = item.history.latest()
        services.disclosure_withdraw(disclosure=item, user=self.manager)
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosure_simple_history", args=[item.pk, published.pk])
        self.assertEqual(self.client.get(url).status_code, 200)  # reading is fine
        self.assertEqual(self.client.post(url, {}).status_code, 404)
        item.refresh_from_db()
        self.assertEqual(item.status, Disclosure.Status.WITHDRAWN)
