"""Property-based tests of the ledger import: random mixes of good and bad rows."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from disclosure import ledger
from disclosure.models import ApplicantType, Case, CaseKind, CaseResult, DisclosureRequest, Outcome

from .factories import ledger_csv, make_agency

HEADER = ["number", "received_on", "applicant_type", "applicant_name", "outcome", "decided_on"]
DAYS = st.dates(datetime.date(2019, 1, 1), datetime.date(2022, 12, 31))
TYPES = st.sampled_from([*ApplicantType.values, *ApplicantType.labels])
OUTCOMES = st.sampled_from([*Outcome.values, *Outcome.labels])
# Any text a name may hold; control characters (NUL, which PostgreSQL cannot store) aside.
NAME_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))


@st.composite
def good_rows(draw):
    received = draw(DAYS)
    decided = draw(st.none() | st.integers(0, 90).map(lambda n: received + datetime.timedelta(n)))
    return {
        "number": draw(st.booleans()),  # True: the file gives a number (assigned below)
        "received_on": received.isoformat(),
        "applicant_type": draw(TYPES),
        "applicant_name": draw(st.text(NAME_CHARACTERS, max_size=8)).strip(),
        "outcome": draw(OUTCOMES) if decided else "",
        "decided_on": decided.isoformat() if decided else "",
    }


BAD = [
    ("received_on", lambda r: "2020/3/2"),
    ("received_on", lambda r: "2021-02-29"),
    ("received_on", lambda r: ""),
    ("applicant_type", lambda r: "法人"),
    ("outcome", lambda r: "approved"),
    ("decided_on", lambda r: "03-05-2020"),
    ("decided_before_received", None),
    ("outcome_without_date", None),
    ("duplicate_number", None),
]


@st.composite
def ledgers(draw):
    """(csv rows, spreadsheet numbers of the bad rows, the rows)."""
    rows = draw(st.lists(good_rows(), min_size=1, max_size=12))
    all_good = draw(st.sampled_from([True, False, False]))  # a third of the files are good
    bad_rows, numbers_so_far = set(), []
    for i, row in enumerate(rows):
        row["number"] = f"N-{i}" if row["number"] else ""
        corruption = None if all_good else draw(st.sampled_from([None, *BAD]))
        if corruption:
            kind, corrupt = corruption
            if kind == "decided_before_received":
                received = datetime.date.fromisoformat(row["received_on"])
                days = draw(st.integers(1, 30))
                row["decided_on"] = (received - datetime.timedelta(days)).isoformat()
                row["outcome"] = row["outcome"] or "granted"
            elif kind == "outcome_without_date":
                row["outcome"], row["decided_on"] = "granted", ""
            elif kind == "duplicate_number" and numbers_so_far:
                row["number"] = draw(st.sampled_from(numbers_so_far))
            elif corrupt:
                row[kind] = corrupt(row)
            if kind != "duplicate_number" or numbers_so_far:
                bad_rows.add(i + 2)
        if row["number"]:
            numbers_so_far.append(row["number"])
    csv_rows = [HEADER] + [[row[k] for k in HEADER] for row in rows]
    return csv_rows, bad_rows, rows


def stored_form(row):
    """A good row as the database holds it."""
    decided = row["decided_on"]
    return (
        datetime.date.fromisoformat(row["received_on"]),
        ledger.REQUESTS.choices(ledger.REQUESTS.column("applicant_type"))[row["applicant_type"]],
        row["applicant_name"],
        ledger.REQUESTS.choices(ledger.REQUESTS.column("outcome"))[row["outcome"]]
        if row["outcome"]
        else "",
        datetime.date.fromisoformat(decided) if decided else None,
    )


class ImportPropertyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")

    @settings(max_examples=50, deadline=None)
    @given(ledgers())
    def test_it_stores_a_good_file_exactly_and_nothing_of_a_file_with_a_bad_row(self, generated):
        csv_rows, bad_rows, rows = generated
        table = ledger.read_table(ledger_csv(csv_rows))
        plan = ledger.import_table(ledger.REQUESTS, agency=self.agency, table=table)
        stored = DisclosureRequest.objects.filter(agency=self.agency)
        if bad_rows:
            self.assertEqual({p.row for p in plan.problems}, bad_rows)
            self.assertEqual(stored.count(), 0)
        else:
            self.assertEqual(plan.problems, [])
            self.assertEqual(
                sorted(
                    stored.values_list(
                        "received_on", "applicant_type", "applicant_name", "outcome", "decided_on"
                    )
                ),
                sorted(stored_form(r) for r in rows),
            )
            given_numbers = {r["number"] for r in rows if r["number"]}
            self.assertLessEqual(given_numbers, set(stored.values_list("number", flat=True)))
            self.assertEqual(stored.values("number").distinct().count(), len(rows))


def _optional(strategy):
    return st.none() | strategy


class ConstraintEvaluationTests(TestCase):
    """``ledger.constraint_holds`` evaluates the model's constraints in Python; it must agree
    with the database's own evaluation (``constraint.validate``) on any values."""

    def assert_agrees(self, instance):
        for constraint in type(instance)._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            try:
                constraint.validate(type(instance), instance)
                in_database = True
            except ValidationError:
                in_database = False
            self.assertEqual(
                ledger.constraint_holds(constraint, instance), in_database, constraint.name
            )

    @settings(max_examples=50, deadline=None)
    @given(
        number=st.sampled_from(["", "2020-0001"]),
        received_on=DAYS,
        decided_on=_optional(DAYS),
        outcome=st.sampled_from(["", "bogus", *Outcome.values]),
        applicant_type=st.sampled_from(["", "bogus", *ApplicantType.values]),
    )
    def test_it_agrees_with_the_database_on_requests(self, **values):
        self.assert_agrees(DisclosureRequest(**values))

    @settings(max_examples=50, deadline=None)
    @given(
        number=st.sampled_from(["", "案2020-0001"]),
        kind=st.sampled_from(["", "bogus", *CaseKind.values]),
        filed_on=DAYS,
        result=st.sampled_from(["", *CaseResult.values]),
        concluded_on=_optional(DAYS),
    )
    def test_it_agrees_with_the_database_on_cases(self, **values):
        self.assert_agrees(Case(**values))
