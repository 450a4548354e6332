"""The public applies online (issue 13): the form, its abuse resistance and the receipt."""

import logging

from django.contrib.auth.hashers import check_password
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse

from disclosure.crypto import decrypt
from disclosure.online.models import OnlineApplication
from disclosure.records.applications import DisclosureRequest
from tests.factories import make_agency
from tests.online_helpers import (
    APPLICANT_ADDRESS,
    APPLICANT_EMAIL,
    APPLICANT_NAME,
    APPLICANT_PHONE,
    VALID_ID_CARD,
    VALID_USCC,
    application_data,
    solve_captcha,
    submit,
)


class ApplyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzj", "温州市交通局")

    def setUp(self):
        self.url = reverse("disclosure:online_apply", args=[self.agency.code])

    def test_it_shows_the_form_in_chinese_uncached(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "政府信息公开申请（网上申请）")
        self.assertContains(response, 'for="id_id_number"')
        self.assertIn("no-store", response["Cache-Control"])

    def test_it_stores_an_application_and_shows_the_receipt_once(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = submit(self.client, self.agency.code)
        self.assertRedirects(
            response,
            reverse("disclosure:online_receipt", args=[self.agency.code]),
            fetch_redirect_response=False,
        )
        application = OnlineApplication.objects.get()
        self.assertEqual(application.status, "pending")
        self.assertEqual(application.agency, self.agency)
        self.assertEqual(application.applicant_type, "natural_person")
        receipt = self.client.get(response["Location"])
        self.assertContains(receipt, application.number)
        password = receipt.context["password"]
        self.assertTrue(check_password(password, application.password_hash))
        self.assertNotIn(password, application.password_hash)
        self.assertIn("no-store", receipt["Cache-Control"])
        # Shown once: a reload goes to the status page.
        again = self.client.get(response["Location"])
        self.assertEqual(again.status_code, 302)
        # The receipt by e-mail, with the number and the password.
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(application.number, mail.outbox[0].body)
        self.assertIn(password, mail.outbox[0].body)
        self.assertEqual(mail.outbox[0].to, [APPLICANT_EMAIL])

    def test_it_encrypts_the_id_number_and_phone_at_rest(self):
        submit(self.client, self.agency.code)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, phone FROM online_onlineapplication")
            id_number, phone = cursor.fetchone()
        self.assertNotIn(VALID_ID_CARD, id_number)
        self.assertEqual(decrypt(id_number), VALID_ID_CARD)
        self.assertNotIn(APPLICANT_PHONE, phone)

    def test_it_takes_an_organisation_with_its_type_and_contact(self):
        submit(
            self.client,
            self.agency.code,
            applicant_kind="organisation",
            org_type="legal_service",
            name="某某律师事务所",
            contact_person="李四",
            id_type="uscc",
            id_number=VALID_USCC,
        )
        application = OnlineApplication.objects.get()
        self.assertEqual(application.applicant_type, "legal_service")

    def test_it_stores_nothing_when_the_honeypot_is_filled(self):
        response = submit(self.client, self.agency.code, website="http://spam.example")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(OnlineApplication.objects.exists())

    def test_it_stores_nothing_with_a_wrong_captcha(self):
        solve_captcha(self.client, self.agency.code)
        response = self.client.post(self.url, application_data(captcha_answer="999"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "验证码不正确或已过期", status_code=400)
        self.assertFalse(OnlineApplication.objects.exists())

    def test_it_uses_a_captcha_answer_once(self):
        answer = solve_captcha(self.client, self.agency.code)
        self.client.post(self.url, application_data(captcha_answer=answer, consent=""))
        # The same answer again (replayed by a script): refused, the sum was forgotten.
        response = self.client.post(self.url, application_data(captcha_answer=answer))
        self.assertContains(response, "验证码不正确或已过期", status_code=400)
        self.assertFalse(OnlineApplication.objects.exists())

    @override_settings(ONLINE_APPLY_PER_HOUR=2000)
    def test_it_stores_nothing_from_a_thousand_scripted_posts(self):
        from django.contrib.sessions.models import Session

        for n in range(1000):
            self.client.cookies.clear()
            self.client.post(self.url, application_data(captcha_answer=str(n % 60)))
        self.assertFalse(OnlineApplication.objects.exists())
        self.assertFalse(Session.objects.exists())  # not even a session row per post

    @override_settings(ONLINE_APPLY_PER_HOUR=2)
    def test_it_limits_posts_per_address(self):
        submit(self.client, self.agency.code)
        submit(self.client, self.agency.code)
        response = submit(self.client, self.agency.code)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "提交次数过多", status_code=429)
        self.assertEqual(OnlineApplication.objects.count(), 2)
        # Another address is not held back by the first.
        cache_keys = len(cache._cache)  # noqa: SLF001 - the locmem cache of the tests
        self.assertGreater(cache_keys, 0)
        answer = solve_captcha(self.client, self.agency.code)
        other = self.client.post(
            self.url, application_data(captcha_answer=answer), REMOTE_ADDR="10.9.9.9"
        )
        self.assertEqual(other.status_code, 302)

    @override_settings(ONLINE_MAX_BODY_BYTES=2000)
    def test_it_refuses_a_body_over_the_limit(self):
        response = submit(self.client, self.agency.code, description="很长" * 2000)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(OnlineApplication.objects.exists())

    def test_it_shows_errors_next_to_the_fields(self):
        response = submit(self.client, self.agency.code, id_number="110105194912310021")
        self.assertEqual(response.status_code, 400)
        self.assertContains(
            response,
            '<div class="invalid-feedback d-block" id="id_id_number-errors" role="alert">'
            "居民身份证号码校验位不正确，请核对。</div>",
            html=True,
            status_code=400,
        )
        self.assertContains(response, 'aria-invalid="true"', count=1, status_code=400)
        self.assertContains(response, 'aria-describedby="id_id_number-errors"', status_code=400)
        self.assertFalse(OnlineApplication.objects.exists())

    def test_it_puts_no_personal_data_in_logs_or_cache(self):
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("probe").debug("start")
            with self.captureOnCommitCallbacks(execute=True):
                submit(self.client, self.agency.code)
        text = "\n".join(logs.output)
        for value in (APPLICANT_NAME, VALID_ID_CARD, APPLICANT_PHONE, APPLICANT_EMAIL):
            self.assertNotIn(value, text)
        # The locmem cache of the tests keeps pickled bytes (strings in UTF-8).
        stored = b"".join(cache._cache.values())  # noqa: SLF001
        self.assertGreater(len(stored), 0)  # the rate limit's counter at least
        for value in (APPLICANT_NAME, VALID_ID_CARD, APPLICANT_PHONE, APPLICANT_ADDRESS):
            self.assertNotIn(value.encode(), stored)

    def test_it_is_not_a_request_until_confirmed(self):
        submit(self.client, self.agency.code)
        self.assertFalse(DisclosureRequest.objects.exists())

    def test_it_links_the_form_from_the_agency_home(self):
        response = self.client.get(reverse("disclosure:agency_home", args=[self.agency.code]))
        self.assertContains(response, self.url)
        self.assertContains(response, "在线申请")

    def test_it_draws_the_captcha_as_a_png(self):
        self.client.get(self.url)
        response = self.client.get(reverse("disclosure:online_captcha", args=[self.agency.code]))
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertTrue(response.content.startswith(b"\x89PNG"))
        self.assertIn("no-store", response["Cache-Control"])
