"""What every agency shares — the catalog's categories and the working-day calendar — is changed
only by the system role (系统管理员) or a superuser; clerks and managers look at it. Agencies'
identities are a superuser's. The code finds the categories it relies on by a fixed key, never by
the slug or name (security finding 3)."""

import datetime
import io

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from disclosure.clock.models import CalendarYear, Holiday
from disclosure.models import Category, Disclosure
from disclosure.roles import CLERK, MANAGER, SYSTEM
from reports import services as report_services
from tests.adminforms import admin_post_data
from tests.factories import (
    log_in,
    make_agency,
    make_clerk,
    make_disclosure,
    make_manager,
    make_request,
    make_user,
)
from tests.test_report_publish import make_ready_report

D = datetime.date
SHARED_MODELS = ["category", "calendaryear", "holiday"]


class SharedTablesAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.a = make_agency("agency-a", "甲局")
        cls.b = make_agency("agency-b", "乙局")
        cls.clerk = make_clerk("clerk", cls.a)
        cls.manager = make_manager("manager", cls.a)
        cls.system = make_user("system", role=SYSTEM)
        cls.root = make_user("root", superuser=True)
        cls.notice = Category.objects.get(slug="notice")

    def _rename_notice(self, user, **fields):
        log_in(self.client, user)
        url = reverse("admin:disclosure_category_change", args=[self.notice.pk])
        page = self.client.get(url)
        if page.status_code != 200:
            return page
        return self.client.post(url, admin_post_data(page, name="公告", **fields))

    def test_it_refuses_a_managers_rename_of_a_shared_category(self):
        response = self._rename_notice(self.manager)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Category.objects.get(pk=self.notice.pk).name, "通知公告")

    def test_it_lets_the_system_role_rename_a_category_but_not_change_its_slug(self):
        response = self._rename_notice(self.system, slug="gonggao")
        self.assertEqual(response.status_code, 302)
        category = Category.objects.get(pk=self.notice.pk)
        self.assertEqual((category.name, category.slug), ("公告", "notice"))

    def test_it_shows_clerks_and_managers_the_shared_tables_read_only(self):
        for user in [self.clerk, self.manager]:
            log_in(self.client, user)
            for model in SHARED_MODELS:
                with self.subTest(user=user.username, model=model):
                    changelist = reverse(f"admin:disclosure_{model}_changelist")
                    self.assertEqual(self.client.get(changelist).status_code, 200)
                    add = reverse(f"admin:disclosure_{model}_add")
                    self.assertEqual(self.client.get(add).status_code, 404)

    def test_it_refuses_a_managers_day_off_that_would_move_another_agencys_due_dates(self):
        request_b = make_request(self.b, received_on=D(2024, 9, 20))
        due = request_b.due_on
        calendar = CalendarYear.objects.get(year=2024)
        log_in(self.client, self.manager)
        response = self.client.post(
            reverse("admin:disclosure_holiday_add"),
            {"calendar": calendar.pk, "date": "2024-10-14", "kind": "off", "name": "测试"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Holiday.objects.filter(date=D(2024, 10, 14)).exists())
        request_b.refresh_from_db()
        self.assertEqual(request_b.due_on, due)

    def test_it_refuses_a_managers_change_of_a_calendar_year(self):
        calendar = CalendarYear.objects.get(year=2024)
        log_in(self.client, self.manager)
        url = reverse("admin:disclosure_calendaryear_change", args=[calendar.pk])
        response = self.client.post(url, {"year": 2024, "source": "改过的依据"})
        self.assertEqual(response.status_code, 404)
        calendar.refresh_from_db()
        self.assertNotEqual(calendar.source, "改过的依据")

    def test_it_refuses_deleting_a_category_the_code_relies_on_even_for_a_superuser(self):
        guide = Category.objects.get(key=Category.Key.GUIDE)
        for user in [self.system, self.root]:
            log_in(self.client, user)
            url = reverse("admin:disclosure_category_delete", args=[guide.pk])
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(url).status_code, 404)
                self.client.post(
                    reverse("admin:disclosure_category_changelist"),
                    {"action": "delete_selected", "_selected_action": [guide.pk], "post": "yes"},
                )
                self.assertTrue(Category.objects.filter(pk=guide.pk).exists())
        unused = Category.objects.create(name="临时栏目", slug="temporary", position=99)
        url = reverse("admin:disclosure_category_delete", args=[unused.pk])
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_it_keeps_an_agencys_name_and_code_for_a_superuser(self):
        log_in(self.client, self.manager)
        url = reverse("admin:disclosure_agency_change", args=[self.a.pk])
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        data = admin_post_data(page, phone="0577-88888888")
        data.update(name="乙局", code="agency-b2")  # forged: the fields are read-only
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        self.a.refresh_from_db()
        self.assertEqual(
            (self.a.name, self.a.code, self.a.phone), ("甲局", "agency-a", "0577-88888888")
        )

    def test_it_answers_another_agencys_page_like_a_missing_one(self):
        log_in(self.client, self.manager)
        foreign = self.client.get(reverse("admin:disclosure_agency_change", args=[self.b.pk]))
        missing = self.client.get(reverse("admin:disclosure_agency_change", args=[999999]))
        self.assertEqual((foreign.status_code, missing.status_code), (404, 404))


class RoleTests(TestCase):
    def _codenames(self, group_name):
        return set(
            Group.objects.get(name=group_name).permissions.values_list("codename", flat=True)
        )

    def test_it_gives_clerks_and_managers_no_write_on_what_agencies_share(self):
        for role in [CLERK, MANAGER]:
            for model in [*SHARED_MODELS, "agency"]:
                for action in ["add", "change", "delete"]:
                    if (role, model, action) == (MANAGER, "agency", "change"):
                        continue  # the contact fields of their own agency only
                    with self.subTest(role=role, perm=f"{action}_{model}"):
                        self.assertNotIn(f"{action}_{model}", self._codenames(role))

    def test_it_gives_the_system_role_the_shared_tables_and_no_agencys_records(self):
        codenames = self._codenames(SYSTEM)
        for model in SHARED_MODELS:
            for action in ["view", "add", "change", "delete"]:
                self.assertIn(f"{action}_{model}", codenames)
        # And the logs of everyone: the audit log and the failed logins (unlocking them).
        logs = {"accessevent", "loginattempt"}
        self.assertEqual({c.split("_", 1)[1] for c in codenames}, set(SHARED_MODELS) | logs)

    def test_it_creates_the_three_groups_with_setup_roles(self):
        Group.objects.filter(name=SYSTEM).delete()
        out = io.StringIO()
        call_command("setup_roles", stdout=out)
        self.assertIn("系统管理员", out.getvalue())
        self.assertIn("add_holiday", self._codenames(SYSTEM))


class CategoryKeyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("agency-a", "甲局")
        cls.manager = make_manager("manager", cls.agency)
        make_request(
            cls.agency, received_on=D(2021, 4, 1), outcome="granted", decided_on=D(2021, 4, 9)
        )

    def test_it_keys_the_seeded_guide_and_annual_report_categories(self):
        keyed = dict(Category.objects.exclude(key="").values_list("key", "slug"))
        self.assertEqual(keyed, {"guide": "guide", "annual-report": "annual-report"})

    def test_it_allows_one_category_per_key(self):
        category = Category(name="另一个指南", slug="guide2", key=Category.Key.GUIDE)
        with self.assertRaisesMessage(ValidationError, "已有相同系统用途的分类。"):
            category.full_clean()

    def test_it_shows_the_guide_whatever_its_slug_and_name(self):
        Category.objects.filter(key=Category.Key.GUIDE).update(slug="zhinan", name="办事指南")
        guide = make_disclosure(self.agency, category="zhinan", title="本机关政府信息公开指南")
        response = self.client.get(self.agency.get_absolute_url())
        self.assertEqual(response.context["guide"], guide)

    def test_it_publishes_a_report_after_the_annual_report_slug_changed(self):
        Category.objects.filter(key=Category.Key.ANNUAL_REPORT).update(slug="nianbao", name="年报")
        version = report_services.report_publish(
            report=make_ready_report(self.agency), user=self.manager
        )
        self.assertEqual(version.disclosure.category.key, Category.Key.ANNUAL_REPORT)
        self.assertEqual(version.disclosure.status, Disclosure.Status.PUBLISHED)

    def test_it_says_clearly_when_a_keyed_category_is_missing(self):
        Category.objects.filter(key=Category.Key.ANNUAL_REPORT).delete()
        with self.assertRaisesMessage(ValidationError, "公开目录中没有“信息公开年报”分类"):
            Category.objects.for_key(Category.Key.ANNUAL_REPORT)
