"""Every field of 条例第二十九条 on the online form (issue 13): ID check characters
(GB 11643 / ISO 7064 MOD 11-2), 统一社会信用代码 (GB 32100), the organisation's fields, the
consent, and the database's hard stop behind the form."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import SimpleTestCase, TestCase

from disclosure.online.idnumbers import (
    id_card_check_char,
    uscc_check_char,
    validate_id_card,
    validate_uscc,
)
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_submit
from tests.factories import make_agency
from tests.online_helpers import VALID_ID_CARD, VALID_USCC, application_data, submit


class IdNumberTests(SimpleTestCase):
    def test_it_computes_the_id_card_check_character(self):
        self.assertEqual(id_card_check_char("11010519491231002"), "X")
        self.assertEqual(id_card_check_char("44052418800101001"), "4")

    def test_it_accepts_valid_id_cards(self):
        validate_id_card(VALID_ID_CARD)
        validate_id_card("11010519491231002x")  # a lower-case x as typed on a phone
        validate_id_card("440524188001010014")

    def test_it_refuses_bad_id_cards(self):
        for value, code in [
            ("110105194912310021", "id_card_check"),
            ("11010519491231002", "id_card_format"),
            ("1101051949123100XX", "id_card_format"),
            ("110105194913310028", "id_card_birth"),  # month 13
        ]:
            with self.subTest(value=value), self.assertRaises(ValidationError) as caught:
                validate_id_card(value)
            self.assertEqual(caught.exception.code, code)

    def test_it_computes_the_uscc_check_character(self):
        self.assertEqual(uscc_check_char("91350100M000100Y4"), "3")

    def test_it_refuses_bad_credit_codes(self):
        validate_uscc(VALID_USCC)
        for value, code in [
            ("91350100M000100Y44", "uscc_check"),
            ("91350100M000100Y4", "uscc_format"),
            ("91350100M000100I43", "uscc_format"),  # I is not in the alphabet
        ]:
            with self.subTest(value=value), self.assertRaises(ValidationError) as caught:
                validate_uscc(value)
            self.assertEqual(caught.exception.code, code)


class FormFieldTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzj", "温州市交通局")

    def errors(self, **overrides) -> dict:
        response = submit(self.client, self.agency.code, **overrides)
        self.assertFalse(OnlineApplication.objects.exists())
        return response.context["form"].errors

    def test_it_requires_what_article_29_asks(self):
        for field in ("name", "id_number", "phone", "address", "description"):
            with self.subTest(field=field):
                self.assertIn(field, self.errors(**{field: ""}))

    def test_it_checks_the_id_card_check_digit(self):
        self.assertIn("校验位", self.errors(id_number="110105194912310021")["id_number"][0])

    def test_it_checks_the_credit_code_of_an_organisation(self):
        errors = self.errors(
            applicant_kind="organisation",
            org_type="commercial",
            contact_person="王五",
            id_type="uscc",
            id_number="91350100M000100Y44",
        )
        self.assertIn("校验位", errors["id_number"][0])

    def test_it_takes_a_passport_as_free_text(self):
        response = submit(self.client, self.agency.code, id_type="passport", id_number="E12345678")
        self.assertEqual(response.status_code, 302)

    def test_it_asks_an_organisation_for_its_type_and_contact_person(self):
        errors = self.errors(applicant_kind="organisation", id_type="uscc", id_number=VALID_USCC)
        self.assertIn("org_type", errors)
        self.assertIn("contact_person", errors)

    def test_it_refuses_a_credit_code_for_a_citizen(self):
        self.assertIn("id_type", self.errors(id_type="uscc", id_number=VALID_USCC))

    def test_it_requires_the_consent(self):
        self.assertIn("consent", self.errors(consent=""))

    def test_it_requires_an_email_to_deliver_by_email(self):
        self.assertIn("email", self.errors(email="", delivery="email"))

    def test_it_refuses_choices_outside_the_lists(self):
        self.assertIn("form_wanted", self.errors(form_wanted="telepathy"))
        self.assertIn("delivery", self.errors(delivery="pigeon"))

    def test_it_stops_an_application_without_consent_in_the_database(self):
        data = application_data()
        application = OnlineApplication(
            agency=self.agency,
            applicant_kind="citizen",
            applicant_type="natural_person",
            name=data["name"],
            id_type="id_card",
            id_number=VALID_ID_CARD,
            phone=data["phone"],
            address=data["address"],
            description=data["description"],
            form_wanted="paper",
            delivery="pickup",
            consent=False,
            number="WS0001",
            password_hash="x",
        )
        with self.assertRaises(ValidationError):
            application_submit(application=application)
        with self.assertRaises(IntegrityError):
            application.save()
