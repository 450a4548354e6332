"""The demo loader reproduces the seed agency's 2020 state and is safe to run twice."""

from decimal import Decimal
from io import StringIO

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from disclosure.devtools.demo import DEMO_USERS
from disclosure.models import Agency, Disclosure, DisclosureRequest, YearlyFigures
from tests.factories import make_agency, make_user

SEED_CATEGORIES_2020 = {
    "组织机构": 6,
    "政策文件": 1,
    "政策解读": 1,
    "通知公告": 13,
    "人事任免": 4,
    "规划计划": 2,
    "财政信息": 2,
    "信息公开指南": 1,
    "信息公开年报": 1,
}


class DemoLoaderTests(TestCase):
    def _load(self, *args):
        out = StringIO()
        call_command("load_demo", *args, stdout=out)
        return out.getvalue()

    def _password_accepted(self, username, password) -> bool:
        """Whether the admin's login page takes the password (the second factor comes next
        for admin and manager); signs out again."""
        self.client.post(reverse("admin:login"), {"username": username, "password": password})
        accepted = SESSION_KEY in self.client.session
        self.client.logout()
        return accepted

    def test_it_creates_the_seed_agency_with_its_contact_line(self):
        self._load()
        agency = Agency.objects.get(code="wzjgsw")
        self.assertEqual(agency.name, "温州市机关事务管理局")
        self.assertEqual(
            agency.contact_line,
            "地址：市府路500号市行政中心1号楼二楼；邮编：325009；电话：0577-88966683",
        )

    def test_it_publishes_the_seeds_31_items_of_2020_by_category(self):
        self._load()
        published_2020 = Disclosure.objects.published().filter(published_on__year=2020)
        self.assertEqual(published_2020.count(), 31)
        counts = {}
        for item in published_2020.select_related("category"):
            counts[item.category.name] = counts.get(item.category.name, 0) + 1
        self.assertEqual(counts, SEED_CATEGORIES_2020)

    def test_it_records_one_granted_request_from_a_natural_person(self):
        self._load()
        request = DisclosureRequest.objects.get(received_on__year=2020)
        self.assertEqual(
            (
                request.applicant_type,
                request.outcome,
                request.received_on.year,
                request.decided_on.year,
            ),
            ("natural_person", "granted", 2020, 2020),
        )

    def test_it_enters_the_procurement_figures(self):
        self._load()
        figures = YearlyFigures.objects.get(agency__code="wzjgsw", year=2020)
        self.assertEqual(figures.procurement_projects, 3)
        self.assertEqual(figures.procurement_amount_wan_yuan, Decimal("3749.71"))

    def test_it_leaves_some_requests_open_today_for_the_dashboard(self):
        self._load()
        open_requests = DisclosureRequest.objects.open()
        self.assertEqual(open_requests.count(), 4)
        self.assertTrue(all(r.due_on for r in open_requests))
        self.assertFalse(open_requests.filter(received_on__year=2020).exists())

    def test_it_prints_working_logins_whose_passwords_pass_the_rules(self):
        out = self._load()
        for username, password, _, _ in DEMO_USERS:
            with self.subTest(username=username):
                self.assertIn(f"用户名 {username:<8} 密码 {password}", out)
                user = get_user_model().objects.get(username=username)
                validate_password(password, user)  # raises if a rule refuses it
                self.assertTrue(self._password_accepted(username, password))
        self.assertIn("身份验证器", out)

    def test_it_moves_a_demo_database_of_the_previous_passwords_to_the_new_ones(self):
        self._load()
        admin = get_user_model().objects.get(username="admin")
        admin.set_password("demo-admin-2020")  # as load_demo set it before the password rules
        admin.save()
        self._load()
        self.assertTrue(self._password_accepted("admin", "Gk-Wenzhou-2020"))
        self.assertFalse(self._password_accepted("admin", "demo-admin-2020"))

    def test_it_changes_nothing_when_run_twice(self):
        self._load()
        before = (Disclosure.objects.count(), DisclosureRequest.objects.count())
        self._load()
        self.assertEqual((Disclosure.objects.count(), DisclosureRequest.objects.count()), before)

    def test_it_shows_the_demo_records_to_the_demo_clerk(self):
        self._load()
        self.client.post(
            reverse("admin:login"), {"username": "clerk", "password": "Banliren-Wz2020"}
        )
        response = self.client.get("/admin/disclosure/disclosurerequest/")
        self.assertContains(response, "2020-0001")

    def test_it_refuses_a_database_with_other_agencies_or_users(self):
        make_agency("ruian", "瑞安市人民政府办公室")
        make_user("zhangsan")
        with self.assertRaisesMessage(CommandError, "另有1个机关；另有1个账号）") as refused:
            self._load()
        self.assertIn("确需载入时加 --force", str(refused.exception))
        self.assertFalse(get_user_model().objects.filter(username="admin").exists())
        self.assertFalse(Agency.objects.filter(code="wzjgsw").exists())

    def test_it_never_resets_a_changed_admin_password(self):
        self._load()
        admin = get_user_model().objects.get(username="admin")
        admin.set_password("a-real-secret-2024")
        admin.save()
        with self.assertRaisesMessage(CommandError, "账号 admin 的密码不是演示密码"):
            self._load()
        self.assertTrue(self._password_accepted("admin", "a-real-secret-2024"))

    def test_it_loads_anyway_with_force_and_resets_the_demo_logins(self):
        make_agency("ruian", "瑞安市人民政府办公室")
        make_user("admin", superuser=True, password="a-real-secret-2024")
        self.assertIn("Gk-Wenzhou-2020", self._load("--force"))
        self.assertTrue(self._password_accepted("admin", "Gk-Wenzhou-2020"))
        self.assertTrue(Agency.objects.filter(code="wzjgsw").exists())
