"""A user sees only the records of their own agencies, everywhere in the admin; another agency's
record is a 404 (not a 403 that would confirm it exists)."""

from django.contrib.contenttypes.models import ContentType
from django.test import TestCase
from django.urls import reverse

from disclosure.models import Disclosure, DisclosureRequest
from tests.adminforms import admin_post_data
from tests.factories import (
    log_in,
    make_agency,
    make_case,
    make_clerk,
    make_disclosure,
    make_request,
    make_user,
)


class AdminScopingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.a = make_agency("agency-a", "甲局")
        cls.b = make_agency("agency-b", "乙局")
        cls.alice = make_clerk("alice", cls.a)
        cls.request_a = make_request(cls.a, number="A-001", subject="甲局的申请")
        cls.request_b = make_request(cls.b, number="B-001", subject="乙局的秘密申请")
        cls.case_b = make_case(cls.b, number="B-CASE", request=cls.request_b)
        cls.draft_b = make_disclosure(cls.b, title="乙局草稿", status="draft")

    def setUp(self):
        log_in(self.client, self.alice)

    def test_it_lists_only_the_users_agency_requests(self):
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertContains(response, "A-001")
        self.assertNotContains(response, "B-001")

    def test_it_finds_nothing_of_another_agency_by_search(self):
        url = reverse("admin:disclosure_disclosurerequest_changelist")
        response = self.client.get(url, {"q": "B-001"})
        self.assertNotContains(response, "乙局的秘密申请")
        self.assertNotContains(
            response, f'href="/admin/disclosure/disclosurerequest/{self.request_b.pk}/'
        )

    def test_it_answers_404_for_another_agencys_request_everywhere(self):
        pk = self.request_b.pk
        for name in ["change", "history"]:
            url = reverse(f"admin:disclosure_disclosurerequest_{name}", args=[pk])
            with self.subTest(view=name):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_answers_the_same_for_a_foreign_record_and_a_missing_one(self):
        for name in ["change", "history", "delete"]:
            foreign = self.client.get(
                reverse(f"admin:disclosure_disclosurerequest_{name}", args=[self.request_b.pk])
            )
            missing = self.client.get(
                reverse(f"admin:disclosure_disclosurerequest_{name}", args=[999999])
            )
            with self.subTest(view=name):
                self.assertEqual(foreign.status_code, missing.status_code)
                self.assertNotContains(foreign, "B-001", status_code=foreign.status_code)

    def test_it_hides_another_agencys_case_and_disclosure(self):
        for url in [
            reverse("admin:disclosure_case_change", args=[self.case_b.pk]),
            reverse("admin:disclosure_case_history", args=[self.case_b.pk]),
            reverse("admin:disclosure_disclosure_change", args=[self.draft_b.pk]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_offers_only_the_users_agencies_in_forms(self):
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_add"))
        self.assertContains(response, "甲局")
        self.assertNotContains(response, "乙局")

    def test_it_refuses_a_request_posted_for_another_agency(self):
        url = reverse("admin:disclosure_disclosurerequest_add")
        data = admin_post_data(
            self.client.get(url),
            agency=self.b.pk,
            received_on="2020-03-02",
            applicant_type="natural_person",
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.b.disclosurerequest_set.count(), 1)
        self.assertContains(response, "选择一个有效的选项")

    def test_it_autocompletes_only_the_users_requests(self):
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"app_label": "disclosure", "model_name": "case", "field_name": "request", "term": "0"},
        )
        self.assertEqual(response.status_code, 200)
        ids = [r["id"] for r in response.json()["results"]]
        self.assertEqual(ids, [str(self.request_a.pk)])

    def test_it_shows_everything_to_a_superuser(self):
        log_in(self.client, make_user("root", superuser=True))
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertContains(response, "A-001")
        self.assertContains(response, "B-001")

    def test_it_masks_applicant_names_in_the_list(self):
        make_request(self.a, number="A-002", applicant_name="张三丰")
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertContains(response, "张**")
        self.assertNotContains(response, "张三丰")

    def test_it_does_not_echo_another_agencys_request_chosen_in_a_case_form(self):
        url = reverse("admin:disclosure_case_add")
        data = admin_post_data(
            self.client.get(url),
            agency=self.a.pk,
            kind="review",
            filed_on="2020-05-06",
            request=self.request_b.pk,
        )
        response = self.client.post(url, data)
        self.assertContains(response, "选择一个有效的选项")
        self.assertNotContains(response, "B-001")

    def test_it_answers_an_export_of_another_agencys_id_like_a_missing_one(self):
        url = reverse("admin:disclosure_disclosurerequest_export")
        foreign = self.client.post(url, {"format": "0", "export_items": [self.request_b.pk]})
        missing = self.client.post(url, {"format": "0", "export_items": [999999]})
        self.assertEqual(foreign.status_code, missing.status_code)
        self.assertEqual(foreign["Content-Type"], missing["Content-Type"])


class RefusedIsMissingTests(TestCase):
    """A page or action the user lacks the permission for is the same 404 as a missing record
    (``ScopedAdminSite``), and "view on site" redirects only for what the user may see."""

    @classmethod
    def setUpTestData(cls):
        cls.a = make_agency("agency-a", "甲局")
        cls.b = make_agency("agency-b", "乙局")
        cls.alice = make_clerk("alice", cls.a)
        cls.request_a = make_request(cls.a, number="A-001")
        cls.published_a = make_disclosure(cls.a, title="甲局已发布")
        cls.draft_a = make_disclosure(cls.a, title="甲局草稿", status="draft")
        cls.published_b = make_disclosure(cls.b, title="乙局已发布")
        cls.draft_b = make_disclosure(cls.b, title="乙局草稿", status="draft")
        cls.ct = ContentType.objects.get_for_model(Disclosure).pk

    def setUp(self):
        log_in(self.client, self.alice)

    def _view_on_site(self, content_type_id, object_id):
        return self.client.get(reverse("admin:view_on_site", args=[content_type_id, object_id]))

    def test_it_answers_a_delete_without_delete_permission_like_a_missing_record(self):
        url = reverse("admin:disclosure_disclosurerequest_delete", args=[self.request_a.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 404)
        self.assertTrue(DisclosureRequest.objects.filter(pk=self.request_a.pk).exists())

    def test_it_answers_a_page_of_a_model_without_permission_like_a_missing_one(self):
        for name in ["auth_user_changelist", "auth_group_add", "disclosure_category_add"]:
            with self.subTest(url=name):
                self.assertEqual(self.client.get(reverse(f"admin:{name}")).status_code, 404)

    def test_it_redirects_view_on_site_to_a_public_page_the_user_may_see(self):
        response = self._view_on_site(self.ct, self.published_a.pk)
        self.assertRedirects(
            response, self.published_a.get_absolute_url(), fetch_redirect_response=False
        )

    def test_it_answers_view_on_site_for_another_agencys_item_like_a_missing_one(self):
        for object_id in [self.published_b.pk, self.draft_b.pk, 999999, "x"]:
            with self.subTest(object_id=object_id):
                self.assertEqual(self._view_on_site(self.ct, object_id).status_code, 404)
        for content_type_id in [999999, "x"]:
            with self.subTest(content_type_id=content_type_id):
                response = self._view_on_site(content_type_id, self.published_a.pk)
                self.assertEqual(response.status_code, 404)

    def test_it_offers_view_on_site_only_for_an_item_on_the_public_site(self):
        published = self.client.get(
            reverse("admin:disclosure_disclosure_change", args=[self.published_a.pk])
        )
        self.assertContains(published, 'class="viewsitelink"')
        draft = self.client.get(
            reverse("admin:disclosure_disclosure_change", args=[self.draft_a.pk])
        )
        self.assertNotContains(draft, 'class="viewsitelink"')
        self.assertEqual(self._view_on_site(self.ct, self.draft_a.pk).status_code, 404)

    def test_it_sends_anonymous_visitors_of_view_on_site_to_the_login(self):
        self.client.logout()
        response = self._view_on_site(self.ct, self.published_b.pk)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])
