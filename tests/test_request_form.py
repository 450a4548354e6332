"""The request form in the admin (issue 15, part 3): the events inline shows only the fields of
the chosen kind, 申请人类型 asked as 公民 or 法人或其他组织 and then the organisation's kind, the
clock block of an answered request, and 到期提醒 reachable from the request list and the side
navigation. The last test opens the change page in Chromium at 1366 px (no sideways scroll; the
script hides the fields a kind does not use; screenshot in tests/artifacts/)."""

import datetime
import json

from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.clock.admin import KIND_FIELDS, answer_timing
from disclosure.records import services
from tests.adminforms import admin_post_data
from tests.browser import ARTIFACTS, BrowserTestCase
from tests.factories import log_in, make_agency, make_clerk, make_event, make_request, totp_code

D = datetime.date
CHANGE = "admin:disclosure_disclosurerequest_change"
DASHBOARD = "admin:disclosure_disclosurerequest_dashboard"


class RequestFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)

    def setUp(self):
        log_in(self.client, self.clerk)
        self.request = make_request(
            self.agency, received_on=D(2020, 1, 20), subject="申请公开某项目资料"
        )
        self.url = reverse(CHANGE, args=[self.request.pk])

    def post(self, **fields):
        return self.client.post(self.url, admin_post_data(self.client.get(self.url), **fields))

    def test_it_tells_the_script_which_fields_each_kind_uses(self):
        response = self.client.get(self.url)
        self.assertContains(response, "js/clock-events.js")
        select = response.context["inline_admin_formsets"][0].formset.empty_form["kind"]
        fields = json.loads(select.field.widget.attrs["data-kind-fields"])
        self.assertEqual(fields["extension"], ["period_days", "approved_by", "notified_on", "note"])
        self.assertEqual(fields["fee_notice"], ["fee_basis", "fee_quantity", "amount", "note"])
        self.assertEqual(set(fields), {str(k) for k in KIND_FIELDS})

    def test_it_drops_a_value_left_in_a_field_the_kind_does_not_use(self):
        # The clerk typed a period, then changed the kind to a consultation: the period field is
        # hidden, so it must not block the save ("只有补正通知和延长答复期限填写期限").
        event = {
            "kind": "consult_third_party",
            "on": "2020-02-03",
            "period_days": "10",
            "approved_by": "办公室主任",
            "counterpart": "某公司",
        }
        data = admin_post_data(self.client.get(self.url))
        data.update({"events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "0"})
        data.update({f"events-0-{k}": v for k, v in event.items()})
        response = self.client.post(self.url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        saved = self.request.events.get()
        self.assertEqual((saved.period_days, saved.approved_by), (None, ""))
        self.assertEqual(saved.counterpart, "某公司")

    def test_it_asks_citizen_or_organisation_then_the_organisations_kind(self):
        response = self.client.get(self.url)
        self.assertContains(response, "公民")
        self.assertContains(response, "法人或其他组织")
        self.assertContains(response, "js/applicant-type.js")
        self.assertNotContains(response, '<option value="natural_person"')

        response = self.post(applicant_category="organisation", applicant_type="")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "申请人为法人或其他组织时，请选择组织类型。")

        self.assertEqual(
            self.post(applicant_category="organisation", applicant_type="research").status_code, 302
        )
        self.request.refresh_from_db()
        self.assertEqual(self.request.applicant_type, "research")

        # 公民: the organisation's kind, if one was left selected, does not count.
        self.assertEqual(
            self.post(applicant_category="citizen", applicant_type="research").status_code, 302
        )
        self.request.refresh_from_db()
        self.assertEqual(self.request.applicant_type, "natural_person")

    def test_it_says_when_an_answer_was_given_and_how_early(self):
        # Due 2020-02-25 (Spring Festival break); answered on Thursday 2020-02-20.
        services.request_decide(request=self.request, outcome="granted", decided_on=D(2020, 2, 20))
        response = self.client.get(self.url)
        self.assertContains(response, "已于2020年2月20日答复")
        self.assertContains(response, '<span class="clock-on-time">提前3个工作日</span>', html=True)
        self.assertNotContains(response, "应于2020年2月25日（星期二）前答复。</li>")

    def test_it_counts_a_late_answer_in_working_days(self):
        # Due Tuesday 2020-02-25, answered Monday 2020-03-02: four working days late.
        text = answer_timing(D(2020, 3, 2), D(2020, 2, 25))
        self.assertIn("已于2020年3月2日答复", text)
        self.assertIn('<span class="clock-late">逾期4个工作日</span>', text)
        self.assertIn("期限当日答复", answer_timing(D(2020, 2, 25), D(2020, 2, 25)))


class DashboardLinkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)

    def test_it_links_the_dashboard_from_the_request_list_and_the_side_navigation(self):
        log_in(self.client, self.clerk)
        url = reverse(DASHBOARD)
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertContains(
            response, f'<a href="{url}" class="clock-dashboard-link">到期提醒</a>', html=True
        )
        response = self.client.get(reverse("admin:disclosure_agency_changelist"))
        self.assertContains(response, 'id="nav-sidebar"')
        nav = response.content.decode().split('id="nav-sidebar"')[1].split("</nav>")[0]
        self.assertIn(f'href="{url}"', nav)


class RequestPageInBrowserTests(BrowserTestCase):
    """One test, on a copy of the migrated database (see tests/test_browser_login.py)."""

    def test_it_fits_1366_pixels_and_shows_only_the_fields_of_the_kind(self):
        agency = make_agency("wzjgsw", "温州市机关事务管理局")
        clerk = make_clerk("zhangwei", agency)
        clerk.set_password("Wz-Browser-2020")
        clerk.save()
        device = TOTPDevice.objects.create(user=clerk, name="app", confirmed=True)
        request = make_request(
            agency,
            received_on=D(2024, 9, 2),
            subject="申请公开2023年度办公用房维修项目的招标文件、中标通知书和验收报告",
            applicant_name="张三",
        )
        make_event(
            request,
            "extension",
            D(2024, 9, 20),
            period_days=15,
            approved_by="办公室主任",
            notified_on=D(2024, 9, 20),
        )
        make_event(request, "consult_third_party", D(2024, 9, 23), counterpart="某建设有限公司")
        violations = []
        page = self.browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(15000)
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(self.live_server_url + "/admin/")
        page.get_by_label("用户名").fill("zhangwei")
        page.get_by_label("密码").fill("Wz-Browser-2020")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/admin/otp/verify/**")
        page.get_by_label("动态口令").fill(totp_code(device))
        page.get_by_role("button", name="验证").click()
        page.wait_for_url("**/admin/")
        page.goto(self.live_server_url + reverse(CHANGE, args=[request.pk]))

        extension = page.locator("#events-0")
        consultation = page.locator("#events-1")
        self.assertTrue(extension.locator(".fieldBox.field-approved_by").is_visible())
        self.assertFalse(extension.locator(".fieldBox.field-counterpart").is_visible())
        self.assertFalse(extension.locator(".fieldBox.field-fee_basis").is_visible())
        self.assertTrue(consultation.locator(".fieldBox.field-counterpart").is_visible())
        self.assertFalse(consultation.locator(".fieldBox.field-approved_by").is_visible())
        # Changing the kind shows that kind's fields.
        consultation.locator("select[name='events-1-kind']").select_option("fee_notice")
        self.assertTrue(consultation.locator(".fieldBox.field-fee_basis").is_visible())
        self.assertFalse(consultation.locator(".fieldBox.field-counterpart").is_visible())
        consultation.locator("select[name='events-1-kind']").select_option("consult_third_party")
        # 公民: no organisation kind.
        self.assertFalse(page.locator(".form-row.field-applicant_type").is_visible())
        page.get_by_label("法人或其他组织").check()
        self.assertTrue(page.locator(".form-row.field-applicant_type").is_visible())
        page.get_by_label("公民").check()

        width = page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, 1366, "the request page scrolls sideways at 1366 px")
        page.screenshot(path=str(ARTIFACTS / "request-change-1366.png"), full_page=True)
        page.goto(self.live_server_url + reverse(DASHBOARD))
        page.screenshot(path=str(ARTIFACTS / "dashboard-1366.png"), full_page=True)
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 1366)
        page.close()
        self.assertEqual(violations, [], "\n".join(violations))


class CaseFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = make_request(
            cls.agency, received_on=D(2024, 3, 4), number="2024-0007", subject="某项目的招标文件"
        )
        other = make_agency(code="other", name="别的机关")
        make_request(other, received_on=D(2024, 3, 5), number="2024-0007", subject="别人的申请")

    def setUp(self):
        log_in(self.client, self.clerk)

    def test_it_lists_requests_by_number_subject_and_date(self):
        url = reverse("admin:disclosure_case_request_autocomplete")
        params = {
            "term": "2024-0007",
            "app_label": "disclosure",
            "model_name": "case",
            "field_name": "request",
        }
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [r["text"] for r in response.json()["results"]],
            ["2024-0007｜某项目的招标文件｜2024-03-04"],  # not the other agency's
        )
        response = self.client.get(reverse("admin:disclosure_case_add"))
        self.assertContains(response, reverse("admin:disclosure_case_request_autocomplete"))

    def test_it_records_the_review_body_or_court_and_the_decision_number(self):
        url = reverse("admin:disclosure_case_add")
        data = admin_post_data(
            self.client.get(url),
            agency=self.agency.pk,
            kind="review",
            authority="温州市人民政府",
            filed_on="2024-05-06",
            request=self.request.pk,
            result="upheld",
            concluded_on="2024-07-01",
            decision_number="温政复〔2024〕12号",
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        case = self.request.cases.get()
        self.assertEqual(
            (case.authority, case.decision_number), ("温州市人民政府", "温政复〔2024〕12号")
        )
        response = self.client.get(reverse("admin:disclosure_case_change", args=[case.pk]))
        self.assertContains(response, "2024-0007｜某项目的招标文件｜2024-03-04")
