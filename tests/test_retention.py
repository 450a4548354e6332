"""Retention (issue 12 point 7): the applicants of requests closed longer ago than the retention
period are de-identified, and every figure of the annual report stays exactly the same."""

import datetime
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from disclosure.models import DisclosureRequest
from disclosure.records import personal
from tests.factories import make_agency, make_case, make_event, make_request

D = datetime.date
APPLICANT = dict(
    applicant_name="张三",
    applicant_id_number="330302199001011234",
    applicant_phone="13912345678",
    applicant_address="温州市鹿城区某路1号",
    applicant_email="zhangsan@example.com",
)


class RetentionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.today = timezone.localdate()
        types = ["natural_person", "commercial", "legal_service", "research"]
        outcomes = ["granted", "partial", "unavailable_not_held", "rejected_duplicate", "other"]
        cls.old = []
        # 2014: answered that year, carried over into 2015, answered in 2015; with fees.
        for i in range(10):
            received = D(2014, 3 + i, 3)
            decided = D(2015, 1, 12) if i >= 8 else received + datetime.timedelta(days=10)
            cls.old.append(
                make_request(
                    cls.agency,
                    received_on=received,
                    applicant_type=types[i % len(types)],
                    channel=["online", "post", "in_person"][i % 3],
                    outcome=outcomes[i % len(outcomes)],
                    decided_on=decided,
                    **APPLICANT,
                )
            )
        paid = cls.old[0]
        make_event(paid, "fee_notice", D(2014, 3, 5), fee_basis="per_page", fee_quantity=45)
        make_event(paid, "fee_paid", D(2014, 3, 7))
        make_case(
            cls.agency,
            filed_on=D(2014, 6, 1),
            request=cls.old[1],
            result="upheld",
            concluded_on=D(2014, 9, 1),
        )
        # Kept: a case about it concluded within the period; an open case; still open; recent.
        cls.recent_case = make_request(
            cls.agency,
            received_on=D(2014, 5, 5),
            applicant_type="natural_person",
            outcome="granted",
            decided_on=D(2014, 5, 20),
            **APPLICANT,
        )
        make_case(
            cls.agency,
            filed_on=D(2014, 7, 1),
            request=cls.recent_case,
            result="corrected",
            concluded_on=cls.today - datetime.timedelta(days=30),
        )
        cls.open_case = make_request(
            cls.agency,
            received_on=D(2014, 5, 6),
            applicant_type="natural_person",
            outcome="granted",
            decided_on=D(2014, 5, 21),
            **APPLICANT,
        )
        make_case(cls.agency, filed_on=D(2014, 8, 1), request=cls.open_case)
        cls.still_open = make_request(
            cls.agency, received_on=D(2015, 12, 1), applicant_type="commercial", **APPLICANT
        )
        cls.recent = make_request(
            cls.agency,
            received_on=cls.today - datetime.timedelta(days=40),
            applicant_type="natural_person",
            outcome="granted",
            decided_on=cls.today - datetime.timedelta(days=30),
            **APPLICANT,
        )

    def report(self, year):
        out = StringIO()
        call_command("report_data", "--agency", "wz", "--year", str(year), stdout=out)
        return out.getvalue().encode()

    def test_it_deidentifies_closed_requests_and_keeps_every_report_figure(self):
        years = [2014, 2015, self.recent.received_on.year]
        before = {year: self.report(year) for year in years}
        out = StringIO()
        call_command("personal_data_deidentify", "--years", "10", stdout=out)
        self.assertIn("已去除 10 条", out.getvalue())
        for year in years:
            with self.subTest(year=year):
                self.assertEqual(self.report(year), before[year])

        for request in self.old:
            request.refresh_from_db()
            self.assertEqual([getattr(request, f) for f in personal.APPLICANT_FIELDS], [""] * 5)
            self.assertEqual(request.applicant_id_index, "")
            for version in request.history.all():
                self.assertEqual(
                    (version.applicant_name, version.applicant_address, version.applicant_email),
                    ("", "", ""),
                )
            self.assertEqual(
                request.history.latest().history_change_reason, personal.DEIDENTIFY_REASON
            )
        for kept in (self.recent_case, self.open_case, self.still_open, self.recent):
            kept.refresh_from_db()
            self.assertEqual(kept.applicant_id_number, APPLICANT["applicant_id_number"])
            self.assertEqual(kept.history.earliest().applicant_name, "张三")

        out = StringIO()
        call_command("personal_data_deidentify", "--years", "10", stdout=out)  # nothing left
        self.assertIn("已去除 0 条", out.getvalue())

    @override_settings(PERSONAL_DATA_RETENTION_YEARS=10)
    def test_a_dry_run_counts_and_changes_nothing(self):
        out = StringIO()
        call_command("personal_data_deidentify", "--dry-run", stdout=out)
        self.assertIn("10 条（未改动）", out.getvalue())
        self.assertEqual(DisclosureRequest.objects.filter(applicant_name="张三").count(), 14)

    def test_it_refuses_a_retention_period_out_of_range(self):
        for years in ("0", "-1", "101"):
            with self.subTest(years=years), self.assertRaises(CommandError):
                call_command("personal_data_deidentify", "--years", years, stdout=StringIO())

    def test_it_counts_back_whole_years(self):
        self.assertEqual(personal.years_before(D(2024, 2, 29), 10), D(2014, 2, 28))
        self.assertEqual(personal.years_before(D(2026, 11, 29), 10), D(2016, 11, 29))
