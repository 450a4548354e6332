"""信息处理费 (国办函〔2020〕109号): both standards at their band edges, what is charged, and the
year's count and total for the report."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import SimpleTestCase, TestCase
from django.test.utils import CaptureQueriesContext

from disclosure.clock import fees
from disclosure.clock.selectors import applicant_pieces_before, fees_collected
from disclosure.crypto import blind_index
from tests.factories import make_agency, make_event, make_request

D = datetime.date


class FeeBandTests(SimpleTestCase):
    def test_it_charges_per_piece_at_the_band_edges(self):
        # Total for n pieces in one month: 1–10 free, 11–30 100元, 31–40 200元, 41–50 300元.
        expected = {10: 0, 11: 100, 30: 2000, 31: 2200, 40: 4000, 41: 4300}
        for n, total in expected.items():
            with self.subTest(pieces=n):
                self.assertEqual(fees.per_piece_fee(n), Decimal(total))

    def test_it_prices_each_piece_by_its_rank_in_the_month(self):
        prices = {1: 0, 10: 0, 11: 100, 30: 100, 31: 200, 40: 200, 41: 300, 50: 300, 51: 400}
        for n, price in prices.items():
            with self.subTest(n=n):
                self.assertEqual(fees.piece_price(n), Decimal(price))

    def test_a_request_pays_for_its_own_pieces_after_the_earlier_ones(self):
        # The 11th piece of the month costs 100元 even if it is the applicant's only request
        # in this agency's system that day.
        self.assertEqual(fees.per_piece_fee(1, earlier_in_month=10), Decimal(100))
        self.assertEqual(fees.per_piece_fee(1, earlier_in_month=9), Decimal(0))
        self.assertEqual(fees.per_piece_fee(2, earlier_in_month=29), Decimal(300))

    def test_it_charges_per_page_at_the_band_edges(self):
        expected = {30: 0, 31: 10, 100: 700, 101: 720, 200: 2700, 201: 2740}
        for pages, total in expected.items():
            with self.subTest(pages=pages):
                self.assertEqual(fees.per_page_fee(pages), Decimal(total))

    def test_it_rejects_nonsense(self):
        with self.assertRaises(ValueError):
            fees.per_page_fee(-1)
        with self.assertRaises(ValueError):
            fees.per_piece_fee(0)


class FeeChargeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

    def request(self, day, name="张三", id_number="330302199001011234", **kwargs):
        return make_request(
            self.agency,
            received_on=day,
            applicant_name=name,
            applicant_id_number=id_number,
            **kwargs,
        )

    def test_it_counts_the_applicants_earlier_pieces_in_the_month(self):
        for day in range(1, 11):
            self.request(D(2024, 4, day))
        self.request(D(2024, 3, 29))  # another month
        self.request(D(2024, 4, 2), name="李四")  # another applicant
        self.request(D(2024, 4, 2), id_number="330302199001019999")  # same name, another person
        eleventh = self.request(D(2024, 4, 15))
        self.assertEqual(applicant_pieces_before(eleventh), 10)

        event = make_event(
            eleventh, "fee_notice", D(2024, 4, 16), fee_basis="per_piece", fee_quantity=1
        )
        self.assertEqual(event.amount, Decimal(100))
        self.assertEqual(event.fee_earlier_pieces, 10)

    def test_it_finds_the_applicant_by_the_keyed_hash_never_the_plain_number(self):
        # The ID number is stored encrypted: the same applicant is found by its keyed hash, the
        # number trimmed and in one case (a final "x" is the same as "X").
        self.request(D(2024, 4, 1), id_number="33030219900101123X")
        self.request(D(2024, 4, 2), id_number=" 33030219900101123x ")
        later = self.request(D(2024, 4, 3), id_number="33030219900101123X")
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(applicant_pieces_before(later), 2)
        sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
        self.assertNotIn("33030219900101123X", sql)
        self.assertIn(blind_index("33030219900101123x").upper(), sql)

    def test_a_split_request_counts_as_its_pieces(self):
        first = self.request(D(2024, 4, 1))
        make_event(first, "fee_notice", D(2024, 4, 2), fee_basis="per_piece", fee_quantity=12)
        self.assertEqual(first.events.get().amount, Decimal(200))  # pieces 11 and 12
        later = self.request(D(2024, 4, 3))
        self.assertEqual(applicant_pieces_before(later), 12)

    def test_it_needs_the_id_number_to_charge_per_piece(self):
        request = self.request(D(2024, 4, 1), id_number="")
        with self.assertRaisesMessage(ValidationError, "证件号码"):
            make_event(request, "fee_notice", D(2024, 4, 2), fee_basis="per_piece", fee_quantity=1)

    def test_it_charges_one_standard_only(self):
        request = self.request(D(2024, 4, 1))
        make_event(request, "fee_notice", D(2024, 4, 2), fee_basis="per_page", fee_quantity=101)
        with self.assertRaisesMessage(ValidationError, "收费只能通知一次"):
            make_event(request, "fee_notice", D(2024, 4, 3), fee_basis="per_piece", fee_quantity=1)
        with self.assertRaisesMessage(ValidationError, "按件计收或按量计收"):
            make_event(self.request(D(2024, 4, 1)), "fee_notice", D(2024, 4, 2), fee_quantity=5)

    def test_it_totals_the_fees_collected_in_a_year(self):
        other = make_agency()
        paid = self.request(D(2024, 12, 2))
        make_event(paid, "fee_notice", D(2024, 12, 3), fee_basis="per_page", fee_quantity=101)
        make_event(paid, "fee_paid", D(2025, 1, 6))  # collected in 2025
        paid_too = self.request(D(2025, 3, 3))
        make_event(paid_too, "fee_notice", D(2025, 3, 4), fee_basis="per_page", fee_quantity=45)
        make_event(paid_too, "fee_paid", D(2025, 3, 10))
        unpaid = self.request(D(2025, 3, 3))
        make_event(unpaid, "fee_notice", D(2025, 3, 4), fee_basis="per_page", fee_quantity=300)
        elsewhere = make_request(other, received_on=D(2025, 3, 3), applicant_name="王五")
        make_event(elsewhere, "fee_notice", D(2025, 3, 4), fee_basis="per_page", fee_quantity=99)
        make_event(elsewhere, "fee_paid", D(2025, 3, 5))

        self.assertEqual(fees_collected(self.agency, 2025), (2, Decimal("870.00")))
        self.assertEqual(fees_collected(self.agency, 2024), (0, Decimal("0")))
        with self.assertNumQueries(1):
            fees_collected(self.agency, 2025)

    def test_paying_resumes_the_clock(self):
        request = self.request(D(2024, 4, 1))
        make_event(request, "fee_notice", D(2024, 4, 8), fee_basis="per_page", fee_quantity=40)
        request.refresh_from_db()
        self.assertIsNone(request.due_on)
        make_event(request, "fee_paid", D(2024, 4, 10))
        request.refresh_from_db()
        # 4月9日 and 10日 are not counted: 2024-04-29 becomes 2024-05-06 (after the 调休
        # Sunday 4月28日 and the Labour Day break 5月1–5日).
        self.assertEqual(request.due_on, D(2024, 5, 6))
