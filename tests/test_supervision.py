"""The supervision page: a government's managers see every unit under it for a year (report state,
requests received, open, overdue, answered late, review and litigation cases), counted by hand
below; never a unit's records or applicants."""

import datetime
import io

import openpyxl
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disclosure.access import may_supervise, supervised_agencies, unit_ids_under
from disclosure.models import DisclosureRequest
from reports import supervision
from reports.document import report_document
from reports.models import Report
from reports.services import report_enter_tables
from reports.supervision import supervision_rows
from tests.factories import (
    log_in,
    make_agency,
    make_case,
    make_clerk,
    make_manager,
    make_report_version,
    make_request,
    make_user,
)
from tests.test_report_consolidated import typed_tables

D = datetime.date
YEAR = 2024
APPLICANT = "张三丰"
NARRATIVE = {"overview": "（一）概述\n工作正常。", "problems": "无。", "other_matters": "未收费。"}


class SupervisionTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.gov = make_agency("gov", "某区人民政府")
        cls.dept_a = make_agency("dept-a", "某区甲局", parent=cls.gov)
        cls.dept_b = make_agency("dept-b", "某区乙局", parent=cls.gov)
        cls.town = make_agency("town", "某镇人民政府", parent=cls.gov)
        cls.town_office = make_agency("town-office", "某镇党政办", parent=cls.town)
        cls.town_typed = make_agency("town-typed", "某镇社区中心", parent=cls.town)
        cls.other = make_agency("other", "别的区人民政府")
        cls.manager = make_manager("gov-manager", cls.gov)
        cls.clerk = make_clerk("gov-clerk", cls.gov)
        cls.dept_manager = make_manager("dept-a-manager", cls.dept_a)
        cls.root = make_user("root", superuser=True)
        today = timezone.localdate()

        def request(agency, received, decided=None, **kwargs):
            return make_request(
                agency,
                received_on=received,
                outcome="granted" if decided else "",
                decided_on=decided,
                applicant_name=APPLICANT,
                **kwargs,
            )

        # 某区人民政府: received 3 in 2024 (one answered late, one still open and overdue),
        # and one from 2023 answered late in 2024.
        request(cls.gov, D(2024, 3, 1), D(2024, 3, 5))
        request(cls.gov, D(2024, 3, 1), D(2024, 6, 28))  # due about 29 March: late
        request(cls.gov, D(2024, 12, 20))  # open; due in January 2025: overdue now
        request(cls.gov, D(2023, 12, 1), D(2024, 2, 20))  # late, in 2024
        make_case(cls.gov, kind="review", filed_on=D(2024, 4, 1))  # pending at year end
        make_case(
            cls.gov,
            kind="litigation_direct",
            filed_on=D(2024, 5, 1),
            result="upheld",
            concluded_on=D(2024, 9, 1),
        )
        # 甲局: received 2, both answered on time; its report published.
        cls.a_request = request(cls.dept_a, D(2024, 5, 6), D(2024, 5, 10))
        request(cls.dept_a, D(2024, 7, 1), D(2024, 7, 3))
        # 乙局: one received in 2024 still open (overdue), one received today (open, not due).
        request(cls.dept_b, D(2024, 10, 8))
        request(cls.dept_b, today)
        make_case(cls.dept_b, kind="litigation_after_review", filed_on=D(2023, 6, 1))
        # Another government's request is nobody's business here.
        request(cls.other, D(2024, 3, 1))
        # Reports: 乙局 a draft with nothing written (fails), 某镇 a finished draft, 党政办 none,
        # 社区中心 typed in from paper (2 review cases, 5 received).
        Report.objects.create(agency=cls.dept_b, year=YEAR, template="2021")
        Report.objects.create(agency=cls.town, year=YEAR, template="2021", **NARRATIVE)
        typed = Report.objects.create(agency=cls.town_typed, year=YEAR, template="2021")
        report_enter_tables(
            report=typed, user=cls.root, data=typed_tables(cls.town_typed, year=YEAR)
        )

    def setUp(self):
        # Stored files go to this test's MEDIA_ROOT: the published version is made here.
        self.version = make_report_version(self.dept_a, year=YEAR)

    def rows(self, order="unit"):
        return supervision_rows(agency=self.gov, year=YEAR, today=timezone.localdate(), order=order)


class SupervisionFiguresTests(SupervisionTestCase):
    def test_it_counts_each_unit_as_counted_by_hand(self):
        figures = [
            (
                r.agency.code,
                r.depth,
                r.received,
                r.open,
                r.overdue,
                r.late,
                r.review,
                r.litigation,
            )
            for r in self.rows()
        ]
        self.assertEqual(
            figures,
            [
                ("gov", 0, 3, 1, 1, 2, 1, 1),
                ("dept-a", 1, 2, 0, 0, 0, 0, 0),
                ("dept-b", 1, 1, 2, 1, 0, 0, 1),
                ("town", 1, 0, 0, 0, 0, 0, 0),
                ("town-office", 2, 0, 0, 0, 0, 0, 0),
                ("town-typed", 2, 5, None, None, None, 2, 0),
            ],
        )
        self.assertEqual(
            supervision.totals(self.rows()),
            {"received": 11, "open": 3, "overdue": 2, "late": 2, "review": 3, "litigation": 2},
        )

    def test_it_shows_each_report_state_with_the_date(self):
        published_on = timezone.localtime(self.version.published_at).date()
        self.assertEqual(
            [(r.agency.code, r.state_text) for r in self.rows()],
            [
                ("gov", "未开始"),
                ("dept-a", f"已发布（{published_on:%Y-%m-%d}）"),
                ("dept-b", "检查未通过"),
                ("town", "草稿"),
                ("town-office", "未开始"),
                ("town-typed", "检查未通过"),  # typed tables, but nothing written yet
            ],
        )
        make_report_version(self.dept_a, year=YEAR, version=2)
        [dept_a] = [r for r in self.rows() if r.agency == self.dept_a]
        self.assertEqual(dept_a.state_text, f"已发布（{published_on:%Y-%m-%d}，第2版）")

    def test_its_states_agree_with_the_checks_of_the_report_page(self):
        # A consolidated draft of the government too, with its narrative written.
        Report.objects.create(
            agency=self.gov, year=YEAR, template="2021", scope="consolidated", **NARRATIVE
        )
        Report.objects.create(agency=self.town_office, year=YEAR, template="2019", **NARRATIVE)
        states = {r.agency.pk: r.state for r in self.rows()}
        reports = Report.objects.filter(
            year=YEAR, agency__in=[*unit_ids_under(self.gov), self.gov.pk]
        )
        self.assertEqual(reports.count(), 5)
        for report in reports:
            with self.subTest(agency=report.agency.code):
                document = report_document(agency=report.agency, year=YEAR, report=report)
                expected = "检查未通过" if document.errors else "草稿"
                self.assertEqual(states[report.agency_id], expected, document.errors)
        # The consolidated draft passes: its sums balance and its own narrative is written.
        self.assertEqual(states[self.gov.pk], "草稿")

    def test_it_sorts_by_any_column_on_the_server(self):
        received = [r.received for r in self.rows("received")]
        self.assertEqual(received, sorted(received))
        self.assertEqual(
            [r.received for r in self.rows("-received")], sorted(received, reverse=True)
        )
        # Unknown figures (a year typed from paper) sort below every known one.
        self.assertEqual(self.rows("overdue")[0].agency, self.town_typed)
        states = [r.state for r in self.rows("state")]
        self.assertEqual(states, sorted(states, key=supervision.STATES.index))
        # Ties keep the tree's order.
        self.assertEqual(
            [r.agency.code for r in self.rows("litigation")][:4],
            ["dept-a", "town", "town-office", "town-typed"],
        )

    def test_its_query_count_does_not_depend_on_the_number_of_units(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                self.rows()
            return len(queries)

        before = count()
        for n in range(6):
            unit = make_agency(
                f"extra-{n}", f"新增单位{n}", parent=self.town if n % 2 else self.gov
            )
            make_request(unit, received_on=D(2024, 2, 1))
            Report.objects.create(agency=unit, year=YEAR, template="2021", **NARRATIVE)
            if n == 0:
                make_report_version(unit, year=YEAR)
        self.assertEqual(len(self.rows()), 12)
        self.assertEqual(count(), before)
        self.assertEqual(before, 6)


class SupervisionAccessTests(SupervisionTestCase):
    def test_it_finds_the_units_and_who_supervises_them(self):
        self.assertEqual(
            sorted(unit_ids_under(self.gov)),
            sorted(
                a.pk
                for a in (self.dept_a, self.dept_b, self.town, self.town_office, self.town_typed)
            ),
        )
        self.assertEqual(unit_ids_under(self.dept_a), [])
        self.assertTrue(may_supervise(self.manager, self.gov))
        self.assertFalse(may_supervise(self.manager, self.town))  # not its member
        self.assertFalse(may_supervise(self.clerk, self.gov))  # a clerk does not supervise
        self.assertFalse(may_supervise(self.dept_manager, self.dept_a))  # no units
        self.assertEqual(list(supervised_agencies(self.root)), [self.gov, self.town])

    def test_a_parent_manager_sees_no_more_records_than_before(self):
        self.assertEqual(
            set(
                DisclosureRequest.objects.visible_to(self.manager).values_list("agency", flat=True)
            ),
            {self.gov.pk},
        )
        log_in(self.client, self.manager)
        for name in ("change", "history"):
            url = reverse(f"admin:disclosure_disclosurerequest_{name}", args=[self.a_request.pk])
            with self.subTest(page=name):
                self.assertEqual(self.client.get(url).status_code, 404)
        own = DisclosureRequest.objects.filter(agency=self.gov).first()
        url = reverse("admin:disclosure_disclosurerequest_change", args=[own.pk])
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_unit_manager_or_a_clerk_of_the_parent_gets_a_404(self):
        url = reverse("admin:reports_report_supervision")
        for user in (self.clerk, self.dept_manager):
            with self.subTest(user=user.username):
                log_in(self.client, user)
                self.assertEqual(self.client.get(url).status_code, 404)
                xlsx = reverse("admin:reports_report_supervision_xlsx")
                self.assertEqual(self.client.get(xlsx).status_code, 404)
        log_in(self.client, self.manager)
        # Another agency's units, even by code: the same 404.
        self.assertEqual(self.client.get(url, {"agency": "town"}).status_code, 404)


class SupervisionPageTests(SupervisionTestCase):
    def setUp(self):
        super().setUp()
        log_in(self.client, self.manager)
        self.url = reverse("admin:reports_report_supervision")

    def test_it_lists_the_units_with_their_figures_and_no_applicant(self):
        response = self.client.get(self.url, {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "某区人民政府所属单位2024年度政府信息公开情况")
        for name in ("某区甲局", "某区乙局", "某镇人民政府", "某镇党政办", "某镇社区中心*"):
            self.assertContains(response, name)
        self.assertContains(response, "检查未通过")
        self.assertNotContains(response, APPLICANT)
        self.assertNotContains(response, "别的区人民政府")
        self.assertEqual([r.agency.code for r in response.context["rows"]][0], "gov")

    def test_it_defaults_to_last_year(self):
        response = self.client.get(self.url)
        self.assertEqual(response.context["year"], timezone.localdate().year - 1)

    def test_it_sorts_by_the_column_asked_for_and_links_the_reverse_order(self):
        response = self.client.get(self.url, {"year": YEAR, "o": "-received"})
        self.assertEqual([r.received for r in response.context["rows"]], [5, 3, 2, 1, 0, 0])
        received = next(h for h in response.context["headers"] if h["key"] == "received")
        self.assertEqual(
            (received["arrow"], received["url"]), ("▼", "?agency=gov&year=2024&o=received")
        )

    def test_it_answers_404_to_a_bad_parameter(self):
        for params in (
            {"o": "applicant_name"},
            {"o": "--received"},
            {"year": "abc"},
            {"year": "²⁰²⁴"},
            {"year": "10000000000000000000"},
            {"year": ""},
            {"agency": "other"},
        ):
            with self.subTest(params=params):
                self.assertEqual(self.client.get(self.url, params).status_code, 404)

    def test_it_exports_the_same_rows_as_xlsx(self):
        response = self.client.get(
            reverse("admin:reports_report_supervision_xlsx"), {"year": YEAR, "o": "received"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn('filename="gov-2024-units.xlsx"', response["Content-Disposition"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(values[1], [heading for _key, heading in supervision.COLUMNS])
        body = values[2:8]
        self.assertEqual([row[2] for row in body], [0, 0, 1, 2, 3, 5])
        self.assertEqual(body[-1][:4], ["　某镇社区中心*", "检查未通过", 5, "—"])
        self.assertEqual(values[8], ["合计", None, 11, 3, 2, 2, 3, 2])
        self.assertNotIn(APPLICANT, str(values))

    def test_the_admin_home_links_it_for_a_parent_manager_only(self):
        self.assertContains(self.client.get(reverse("admin:index")), self.url)
        log_in(self.client, self.dept_manager)
        self.assertNotContains(self.client.get(reverse("admin:index")), self.url)
