"""Compilation of tables 二, 三 and 四 from the records, checked cell by cell against the counting
rules of the interchange contract (re-stated here in plain Python, independently of
``reports.rules``)."""

import datetime
import itertools
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from disclosure.models import (
    ApplicantType,
    Case,
    CaseKind,
    CaseResult,
    DisclosureRequest,
    Outcome,
    YearlyFigures,
)
from reports import labels
from reports.selectors import report_compile
from tests.factories import make_agency, make_disclosure

D = datetime.date
YEAR = 2021
OTHERS = {"other_no_correction", "other_unpaid_fee", "other"}

# (received_on, decided_on) scenarios around the year, including the boundary days.
SCENARIOS = [
    (D(YEAR, 1, 1), D(YEAR, 1, 1)),  # received and decided in the year
    (D(YEAR, 3, 5), D(YEAR, 12, 31)),
    (D(YEAR - 1, 12, 31), D(YEAR, 1, 1)),  # carried over, decided in the year
    (D(YEAR - 1, 6, 1), D(YEAR - 1, 12, 31)),  # decided last year: not in the table
    (D(YEAR - 2, 6, 1), D(YEAR, 2, 1)),  # two years old, decided this year
    (D(YEAR, 12, 31), D(YEAR + 1, 1, 1)),  # carried forward, decided next year
    (D(YEAR - 1, 11, 1), D(YEAR + 1, 1, 4)),  # carried over and forward
    (D(YEAR + 1, 1, 1), D(YEAR + 1, 1, 2)),  # next year: not in the table
]
OPEN_SCENARIOS = [D(YEAR, 6, 1), D(YEAR - 1, 6, 1), D(YEAR + 1, 1, 1), D(YEAR, 12, 31)]


def expected_table3(requests, template):
    """Every cell of table 三 by the contract's counting rules, from (type, received, decided,
    outcome) tuples."""
    first, last = D(YEAR, 1, 1), D(YEAR, 12, 31)
    rows = {key: {t: 0 for t in ApplicantType.values} for key, _ in labels.table3_rows(template)}
    for applicant, received, decided, outcome in requests:
        if first <= received <= last:
            rows["received"][applicant] += 1
        if received < first and (decided is None or decided >= first):
            rows["carried_over"][applicant] += 1
        if decided is not None and first <= decided <= last:
            row = "other" if template == "2019" and outcome in OTHERS else outcome
            rows[row][applicant] += 1
            rows["total"][applicant] += 1
        if received <= last and (decided is None or decided > last):
            rows["carried_forward"][applicant] += 1
    return {
        key: [cells[t] for t in ApplicantType.values] + [sum(cells.values())]
        for key, cells in rows.items()
    }


class Table3Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        other_agency = make_agency()
        objs, cls.requests = [], []
        n = itertools.count()
        # Every outcome × applicant type, each in every scenario, with a multiplicity that
        # differs from cell to cell so that a count in the wrong cell shows.
        for (i, applicant), (j, outcome) in itertools.product(
            enumerate(ApplicantType.values), enumerate(Outcome.values)
        ):
            for k, (received, decided) in enumerate(SCENARIOS):
                for _ in range(1 + (i + j + k) % 3):
                    objs.append(
                        DisclosureRequest(
                            agency=cls.agency,
                            number=f"R{next(n)}",
                            received_on=received,
                            applicant_type=applicant,
                            outcome=outcome,
                            decided_on=decided,
                        )
                    )
                    cls.requests.append((applicant, received, decided, outcome))
        for i, applicant in enumerate(ApplicantType.values):
            for k, received in enumerate(OPEN_SCENARIOS):
                for _ in range(1 + (i + k) % 2):
                    objs.append(
                        DisclosureRequest(
                            agency=cls.agency,
                            number=f"R{next(n)}",
                            received_on=received,
                            applicant_type=applicant,
                        )
                    )
                    cls.requests.append((applicant, received, None, ""))
        # Another agency's requests never count.
        objs.append(
            DisclosureRequest(
                agency=other_agency,
                number="X1",
                received_on=D(YEAR, 5, 5),
                applicant_type="natural_person",
                outcome="granted",
                decided_on=D(YEAR, 5, 6),
            )
        )
        DisclosureRequest.objects.bulk_create(objs)

    def _assert_every_cell(self, template):
        data = report_compile(agency=self.agency, year=YEAR, template=template)
        expected = expected_table3(self.requests, template)
        self.assertEqual(
            [row.key for row in data.table3], [key for key, _ in labels.table3_rows(template)]
        )
        for row in data.table3:
            with self.subTest(row=row.key):
                self.assertEqual(list(row.values), expected[row.key])
        return data

    def test_it_counts_every_cell_of_the_2021_template(self):
        data = self._assert_every_cell("2021")
        self.assertEqual(len(data.table3), 25)
        self.assertEqual(data.row("other_unpaid_fee").label, "2." + Outcome.OTHER_UNPAID_FEE.label)
        self.assertEqual(data.row("other").label, "3.其他")

    def test_it_counts_every_cell_of_the_2019_template(self):
        data = self._assert_every_cell("2019")
        self.assertEqual(len(data.table3), 23)
        self.assertNotIn("other_no_correction", [row.key for row in data.table3])
        self.assertEqual(data.row("other").label, "（六）其他处理")

    def test_it_adds_the_three_other_outcomes_into_one_row_in_2019(self):
        old = report_compile(agency=self.agency, year=YEAR, template="2019")
        new = report_compile(agency=self.agency, year=YEAR, template="2021")
        self.assertEqual(
            old.row("other").values,
            tuple(
                sum(v)
                for v in zip(
                    *(new.row(k).values for k in OTHERS),
                    strict=True,
                )
            ),
        )
        self.assertGreater(old.row("other").total, new.row("other").total)

    def test_it_balances_every_column(self):
        data = report_compile(agency=self.agency, year=YEAR, template="2021")
        for column in labels.TABLE3_COLUMNS:
            self.assertEqual(
                data.row("received")[column] + data.row("carried_over")[column],
                data.row("total")[column] + data.row("carried_forward")[column],
            )

    def test_it_gives_literal_counts_for_a_small_case(self):
        agency = make_agency()
        DisclosureRequest.objects.bulk_create(
            [
                DisclosureRequest(
                    agency=agency,
                    number="1",
                    received_on=D(2020, 12, 20),
                    applicant_type="commercial",
                ),
                DisclosureRequest(
                    agency=agency,
                    number="2",
                    received_on=D(2021, 3, 1),
                    applicant_type="natural_person",
                    outcome="partial",
                    decided_on=D(2021, 3, 20),
                ),
            ]
        )
        data = report_compile(agency=agency, year=2021, template="2021")
        self.assertEqual(data.row("received").values, (1, 0, 0, 0, 0, 0, 1))
        self.assertEqual(data.row("carried_over").values, (0, 1, 0, 0, 0, 0, 1))
        self.assertEqual(data.row("partial").values, (1, 0, 0, 0, 0, 0, 1))
        self.assertEqual(data.row("total").values, (1, 0, 0, 0, 0, 0, 1))
        self.assertEqual(data.row("carried_forward").values, (0, 1, 0, 0, 0, 0, 1))

    def test_it_uses_the_same_number_of_queries_whatever_the_number_of_requests(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                report_compile(agency=self.agency, year=YEAR, template="2021")
            return len(queries)

        before = count()
        DisclosureRequest.objects.bulk_create(
            DisclosureRequest(
                agency=self.agency,
                number=f"M{i}",
                received_on=D(YEAR, 4, 1),
                applicant_type="research",
            )
            for i in range(300)
        )
        self.assertEqual(count(), before)
        self.assertLessEqual(before, 4)


class Table4Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        scenarios = [
            # (filed_on, concluded_on)
            (D(YEAR, 2, 1), D(YEAR, 5, 1)),  # filed and concluded in the year
            (D(YEAR - 1, 10, 1), D(YEAR, 1, 1)),  # filed last year, concluded this year
            (D(YEAR - 1, 3, 1), D(YEAR - 1, 12, 31)),  # concluded last year: not counted
            (D(YEAR, 12, 31), D(YEAR + 1, 1, 1)),  # pending at the end of the year
            (D(YEAR + 1, 1, 1), D(YEAR + 1, 2, 1)),  # next year: not counted
        ]
        cls.cases = []
        objs = []
        n = itertools.count()
        for (i, kind), (j, result) in itertools.product(
            enumerate(CaseKind.values), enumerate(CaseResult.values)
        ):
            for k, (filed, concluded) in enumerate(scenarios):
                for _ in range(1 + (i + j + k) % 3):
                    objs.append(
                        Case(
                            agency=cls.agency,
                            number=f"C{next(n)}",
                            kind=kind,
                            filed_on=filed,
                            result=result,
                            concluded_on=concluded,
                        )
                    )
                    cls.cases.append((kind, filed, concluded, result))
        for i, kind in enumerate(CaseKind.values):
            for filed in (D(YEAR - 1, 5, 1), D(YEAR, 12, 31), D(YEAR + 1, 1, 1)):
                for _ in range(i + 1):
                    objs.append(
                        Case(agency=cls.agency, number=f"C{next(n)}", kind=kind, filed_on=filed)
                    )
                    cls.cases.append((kind, filed, None, ""))
        Case.objects.bulk_create(objs)

    def test_it_counts_every_cell_by_the_contract_rule(self):
        first, last = D(YEAR, 1, 1), D(YEAR, 12, 31)
        expected = {kind: dict.fromkeys(labels.TABLE4_COLUMNS, 0) for kind in CaseKind.values}
        for kind, filed, concluded, result in self.cases:
            if concluded is not None and first <= concluded <= last:
                expected[kind][result] += 1
                expected[kind]["total"] += 1
            elif filed <= last and (concluded is None or concluded > last):
                expected[kind]["pending"] += 1
                expected[kind]["total"] += 1
        data = report_compile(agency=self.agency, year=YEAR, template="2019")
        self.assertEqual([row.key for row in data.table4], list(CaseKind.values))
        for row in data.table4:
            with self.subTest(kind=row.key):
                self.assertEqual(
                    list(row.values), [expected[row.key][c] for c in labels.TABLE4_COLUMNS]
                )
                self.assertGreater(row["pending"], 0)


class Table2Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

        def doc(kind, **kwargs):
            return make_disclosure(cls.agency, category="policy", kind=kind, **kwargs)

        # Regulations: made and published in the year; made last year, repealed this year.
        doc("regulation", made_on=D(YEAR, 2, 1), published_on=D(YEAR, 2, 3))
        doc(
            "regulation",
            made_on=D(YEAR - 1, 2, 1),
            published_on=D(YEAR - 1, 2, 3),
            repealed_on=D(YEAR, 6, 30),
        )
        # Normative documents.
        doc("normative_document", made_on=D(YEAR - 3, 1, 1), published_on=D(YEAR - 3, 1, 5))
        doc("normative_document", made_on=D(YEAR, 12, 20), published_on=D(YEAR + 1, 1, 5))
        doc(
            "normative_document",
            made_on=D(YEAR, 3, 1),
            published_on=D(YEAR, 3, 2),
            repealed_on=D(YEAR, 11, 1),
        )
        doc("normative_document", made_on=None, published_on=D(YEAR, 7, 7))  # made = published
        doc(
            "normative_document",
            made_on=D(YEAR - 1, 3, 1),
            published_on=D(YEAR - 1, 3, 2),
            repealed_on=D(YEAR + 1, 1, 1),
        )  # repealed after the year: still in force
        doc("normative_document", status="draft", made_on=D(YEAR, 4, 1))  # a draft: never
        doc(
            "normative_document",
            status="withdrawn",
            made_on=D(YEAR, 4, 1),
            published_on=D(YEAR, 4, 2),
        )  # made, but no longer public
        make_disclosure(cls.agency, made_on=D(YEAR, 1, 1))  # not a document kind
        YearlyFigures.objects.create(
            agency=cls.agency,
            year=YEAR,
            licensing_previous=5,
            licensing_change=-2,
            licensing_decisions=40,
            other_services_previous=3,
            other_services_change=1,
            other_services_decisions=7,
            penalty_decisions=2,
            coercion_decisions=1,
            fees_previous=4,
            fees_change=0,
            fees_amount_wan_yuan=Decimal("59237.2449"),
            procurement_projects=3,
            procurement_amount_wan_yuan=Decimal("3749.7100"),
        )

    def test_it_derives_the_2021_columns_from_the_documents(self):
        data = report_compile(agency=self.agency, year=YEAR, template="2021")
        t2 = data.to_json()["table2"]
        self.assertEqual(t2["regulations"], {"issued": 1, "repealed": 1, "in_force": 1})
        self.assertEqual(t2["normative_documents"], {"issued": 4, "repealed": 1, "in_force": 5})
        self.assertEqual(t2["licensing"], {"decisions": 40})
        self.assertEqual(t2["penalty"], {"decisions": 2})
        self.assertEqual(t2["coercion"], {"decisions": 1})
        self.assertEqual(t2["fees"], {"amount_wan_yuan": "59237.2449"})
        self.assertNotIn("procurement", t2)
        self.assertNotIn("other_services", t2)

    def test_it_derives_the_2019_columns_from_the_documents(self):
        data = report_compile(agency=self.agency, year=YEAR, template="2019")
        t2 = data.to_json()["table2"]
        self.assertEqual(t2["regulations"], {"made": 1, "published": 1, "total_public": 1})
        self.assertEqual(t2["normative_documents"], {"made": 4, "published": 2, "total_public": 3})
        self.assertEqual(t2["licensing"], {"previous": 5, "change": -2, "decisions": 40})
        self.assertEqual(t2["other_services"], {"previous": 3, "change": 1, "decisions": 7})
        self.assertEqual(t2["fees"], {"previous": 4, "change": 0})
        self.assertEqual(t2["procurement"], {"projects": 3, "amount_wan_yuan": "3749.71"})

    def test_it_keeps_in_force_consistent_from_year_to_year(self):
        last = report_compile(agency=self.agency, year=YEAR - 1, template="2021")
        this = report_compile(agency=self.agency, year=YEAR, template="2021")
        for key in ("regulations", "normative_documents"):
            row, prev = this.table2_row(key), last.table2_row(key)
            self.assertEqual(row["in_force"], prev["in_force"] + row["issued"] - row["repealed"])

    def test_it_reads_zeros_without_yearly_figures(self):
        data = report_compile(agency=self.agency, year=YEAR - 1, template="2019")
        self.assertEqual(data.table2_row("procurement").values, (0, Decimal(0)))
        self.assertEqual(data.to_json()["table2"]["procurement"]["amount_wan_yuan"], "0")
