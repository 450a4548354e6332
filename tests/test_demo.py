"""The demo loader reproduces the seed agency's 2020 state and is safe to run twice."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from disclosure.models import Agency, Disclosure, DisclosureRequest, YearlyFigures

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
    def _load(self):
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

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

    def test_it_prints_working_logins(self):
        out = self._load()
        self.assertIn("demo-manager-2020", out)
        self.assertTrue(self.client.login(username="manager", password="demo-manager-2020"))
        self.assertTrue(self.client.login(username="clerk", password="demo-clerk-2020"))

    def test_it_changes_nothing_when_run_twice(self):
        self._load()
        before = (Disclosure.objects.count(), DisclosureRequest.objects.count())
        self._load()
        self.assertEqual((Disclosure.objects.count(), DisclosureRequest.objects.count()), before)

    def test_it_shows_the_demo_records_to_the_demo_clerk(self):
        self._load()
        self.client.login(username="clerk", password="demo-clerk-2020")
        response = self.client.get("/admin/disclosure/disclosurerequest/")
        self.assertContains(response, "2020-0001")
