"""Every URL of the site × every role: the status each role gets (security issue 11).

The URLs are GENERATED from the URL configuration (``get_resolver()``, admin.site's per-model
URLs included): a URL without a row in ``EXPECTED`` fails ``test_it_has_a_row_for_every_url``,
which names it. To add a URL: add one row, keyed by its name (``"admin:…"``, ``"disclosure:…"``)
or, for an unnamed pattern, by its route as the failure message prints it.

Every object in a URL belongs to agency A. The rule the rows follow:
- anonymous visitors of the admin and of staff media are sent to the login page (``L``);
- another agency's anything is a 404 (clerk B), and so is a page or action a user lacks the
  permission for (``disclosure.access.ScopedAdminSite``): no status tells what exists;
- the shared tables (catalog, calendar) are changed by the system role and superusers only;
- the public site answers everyone the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from unittest import mock

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.audit.models import AccessEvent
from disclosure.clock.models import CalendarYear, Holiday
from disclosure.identity.models import LoginAttempt
from disclosure.letters.services import letter_draft_create
from disclosure.models import Category, Disclosure, YearlyFigures
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_submit
from disclosure.roles import CLERK, SYSTEM
from reports.models import Report
from tests.factories import (
    log_in,
    make_agency,
    make_attachment,
    make_case,
    make_clerk,
    make_disclosure,
    make_manager,
    make_report_version,
    make_request,
    make_user,
)

ROLES = ("anonymous", "clerk_a", "clerk_b", "manager_a", "system", "superuser")
LOGIN = "L"  # a redirect to the admin's login page


@dataclass(frozen=True)
class Row:
    """The expected status per role (in ``ROLES`` order: a number or ``L``), and how to call
    the URL: ``args`` name the objects (``PermissionMatrixTests.objects``) that fill it."""

    expect: str
    args: tuple[str, ...] = ()
    method: str = "get"
    query: dict = field(default_factory=dict)
    url: str = ""  # an unnamed pattern: the path, with {object} placeholders

    def __post_init__(self):
        assert len(self.expect.split()) == len(ROLES), f"{self.expect!r}: one code per role"


def row(expect, *args, **kwargs) -> Row:
    return Row(expect, args, **kwargs)


def _model_rows(prefix: str, obj: str, **expect: str) -> dict[str, Row]:
    """The six URLs Django's admin gives each model. ``expect`` per view; the bare
    ``<id>/`` address redirects to the change page without looking anything up (the same 302
    for any id, so it tells nothing)."""
    app, model = prefix.split("_", 1)
    rows = {
        f"admin:{prefix}_changelist": row(expect["changelist"]),
        f"admin:{prefix}_add": row(expect["add"]),
        f"admin:{prefix}_history": row(expect["history"], obj),
        f"admin:{prefix}_delete": row(expect["delete"], obj),
        f"admin:{prefix}_change": row(expect["change"], obj),
        f"admin/{app}/{model}/<path:object_id>/": row(
            "L 302 302 302 302 302", url=f"/admin/{app}/{model}/{{{obj}}}/"
        ),
    }
    if "simple_history" in expect:  # django-simple-history's "version N of the record" page
        rows[f"admin:{prefix}_simple_history"] = row(
            expect["simple_history"], obj, f"{obj}_history"
        )
    return rows


#   codes per role:                          anon clerkA clerkB mgrA system super
EXPECTED: dict[str, Row] = {
    # --- the admin site itself
    "admin:index": row("L 200 200 200 200 200"),
    "admin:login": row("200 302 302 302 302 302"),  # a logged-in user goes to the index
    "admin:logout": row("302 405 405 405 405 405"),  # logging out is a POST
    "admin:password_change": row("L 200 200 200 200 200"),
    "admin:password_change_done": row("L 200 200 200 200 200"),
    "admin:autocomplete": row(
        "L 200 200 200 404 200",  # each clerk gets their own agency's requests only
        query={"app_label": "disclosure", "model_name": "case", "field_name": "request"},
    ),
    # The case form's request chooser: the same view with the label 编号｜申请内容｜日期.
    "admin:disclosure_case_request_autocomplete": row(
        "L 200 200 200 404 200",
        query={"app_label": "disclosure", "model_name": "case", "field_name": "request"},
    ),
    "admin:jsi18n": row("L 200 200 200 200 200"),
    "admin:view_on_site": row("L 302 404 302 404 302", "content_type", "item"),
    "admin:app_list": row("L 200 200 200 200 200", "app_label"),
    "admin/(?P<url>.*)$": row("L 404 404 404 404 404", url="/admin/no-such-page/"),
    # --- the shared tables: the system role changes them, clerks and managers look
    **_model_rows(
        "disclosure_category",
        "category",
        changelist="L 200 200 200 200 200",
        add="L 404 404 404 200 200",
        history="L 200 200 200 200 200",
        delete="L 404 404 404 200 200",
        change="L 200 200 200 200 200",
    ),
    **_model_rows(
        "disclosure_calendaryear",
        "calendaryear",
        changelist="L 200 200 200 200 200",
        add="L 404 404 404 200 200",
        history="L 200 200 200 200 200",
        delete="L 404 404 404 200 200",
        change="L 200 200 200 200 200",
    ),
    # Filling a year from its periods (or the pasted State Council notice): the system role.
    "admin:disclosure_calendaryear_fill": row("L 404 404 404 200 200"),
    **_model_rows(
        "disclosure_holiday",
        "holiday",
        changelist="L 200 200 200 200 200",
        add="L 404 404 404 200 200",
        history="L 200 200 200 200 200",
        delete="L 404 404 404 200 200",
        change="L 200 200 200 200 200",
    ),
    # --- agencies: a superuser's; a manager keeps the contact fields of their own
    **_model_rows(
        "disclosure_agency",
        "agency",
        changelist="L 200 200 200 404 200",
        add="L 404 404 404 404 200",
        history="L 200 404 200 404 200",
        delete="L 404 404 404 404 200",
        change="L 200 404 200 404 200",
    ),
    # --- agency A's records
    **_model_rows(
        "disclosure_disclosure",
        "item",
        changelist="L 200 200 200 404 200",
        add="L 200 200 200 404 200",
        history="L 200 404 200 404 200",
        delete="L 404 404 200 404 200",  # a clerk deletes drafts only; this item is published
        change="L 200 404 200 404 200",
        simple_history="L 200 404 200 404 200",
    ),
    **_model_rows(
        "disclosure_disclosurerequest",
        "request",
        changelist="L 200 200 200 404 200",
        add="L 200 200 200 404 200",
        history="L 200 404 200 404 200",
        delete="L 404 404 200 404 200",
        change="L 200 404 200 404 200",
        simple_history="L 200 404 200 404 200",
    ),
    "admin:disclosure_disclosurerequest_dashboard": row("L 200 200 200 404 200"),
    "admin:disclosure_disclosurerequest_letter": row("L 200 404 200 404 200", "request"),
    # The request is not decided yet: the PDF link goes back to it with a message (the PDF
    # itself is tested in test_letters; rendering it six times would only slow this test).
    "admin:disclosure_disclosurerequest_letter_pdf": row("L 302 404 302 404 302", "request"),
    # A draft letter of request A (a 受理回执): its clerks and managers edit and issue it; letters
    # are made from the request's page, never added here.
    **_model_rows(
        "disclosure_letter",
        "letter",
        changelist="L 200 200 200 404 200",
        add="L 404 404 404 404 404",
        history="L 200 404 200 404 200",
        delete="L 200 404 200 404 200",  # a draft; an issued letter cannot be deleted
        change="L 200 404 200 404 200",
    ),
    "admin:disclosure_letter_pdf": row("L 200 404 200 404 200", "letter"),
    "admin:disclosure_letter_docx": row("L 200 404 200 404 200", "letter"),
    "admin:disclosure_letter_issue": row("L 200 404 200 404 200", "letter"),
    "admin:disclosure_letter_regenerate": row("L 302 404 302 404 302", "letter", method="post"),
    "admin:disclosure_disclosurerequest_import": row("L 200 200 200 404 200"),
    # A confirmation without a pending import of one's own goes back to the import page.
    "admin:disclosure_disclosurerequest_process_import": row(
        "L 302 302 302 404 302", method="post"
    ),
    # Cancelling a pending import (none here): back to the list, nothing deleted.
    "admin:disclosure_disclosurerequest_import_cancel": row("L 302 302 302 404 302", method="post"),
    "admin:disclosure_disclosurerequest_export": row("L 200 200 200 404 200"),
    **_model_rows(
        "disclosure_case",
        "case",
        changelist="L 200 200 200 404 200",
        add="L 200 200 200 404 200",
        history="L 200 404 200 404 200",
        delete="L 404 404 200 404 200",
        change="L 200 404 200 404 200",
        simple_history="L 200 404 200 404 200",
    ),
    "admin:disclosure_case_import": row("L 200 200 200 404 200"),
    "admin:disclosure_case_process_import": row("L 302 302 302 404 302", method="post"),
    "admin:disclosure_case_import_cancel": row("L 302 302 302 404 302", method="post"),
    "admin:disclosure_case_export": row("L 200 200 200 404 200"),
    **_model_rows(
        "disclosure_yearlyfigures",
        "figures",
        changelist="L 200 200 200 404 200",
        add="L 404 404 200 404 200",
        history="L 200 404 200 404 200",
        delete="L 404 404 404 404 200",
        change="L 200 404 200 404 200",
    ),
    # --- the annual report (the pages replace the generic add and change forms)
    **_model_rows(
        "reports_report",
        "report",
        changelist="L 200 200 200 404 200",
        add="L 404 404 302 404 302",  # to the "open a report" page
        history="L 200 404 200 404 200",
        delete="L 404 404 404 404 404",
        change="L 302 404 302 404 302",  # to the preview
        simple_history="L 404 404 404 404 404",  # the narrative is restored on the report page
    ),
    "admin:reports_report_open": row("L 404 404 200 404 200"),
    "admin:reports_report_preview": row("L 200 404 200 404 200", "report"),
    "admin:reports_report_pdf": row("L 200 404 200 404 200", "report"),
    "admin:reports_report_docx": row("L 200 404 200 404 200", "report"),
    "admin:reports_report_publish_confirm": row("L 404 404 200 404 200", "report"),
    # Version 1 is published: publishing again without a reason is refused (no PDF render).
    "admin:reports_report_publish": row("L 404 404 302 404 302", "report", method="post"),
    "admin:reports_report_template": row("L 404 404 302 404 302", "report", method="post"),
    "admin:reports_report_refill": row("L 404 404 302 404 302", "report", method="post"),
    "admin:reports_report_tables": row("L 404 404 200 404 200", "report"),
    # 本机关/汇总: agency A has a unit; no scope posted goes back with a message.
    "admin:reports_report_scope": row("L 404 404 302 404 302", "report", method="post"),
    # The units' figures: for the managers of an agency with units (A), never its clerks.
    "admin:reports_report_supervision": row("L 404 404 200 404 200"),
    "admin:reports_report_supervision_xlsx": row("L 404 404 200 404 200"),
    **_model_rows(
        "reports_reportversion",
        "version",
        changelist="L 200 200 200 404 200",
        add="L 404 404 404 404 404",
        history="L 200 404 200 404 200",
        delete="L 404 404 404 404 404",
        change="L 200 404 200 404 200",  # read-only: a published version never changes
    ),
    "admin:reports_reportversion_pdf": row("L 200 404 200 404 200", "version"),
    # --- users and groups: superusers only
    **_model_rows(
        "auth_group",
        "group",
        changelist="L 404 404 404 404 200",
        add="L 404 404 404 404 200",
        history="L 404 404 404 404 200",
        delete="L 404 404 404 404 200",
        change="L 404 404 404 404 200",
    ),
    **_model_rows(
        "auth_user",
        "user",
        changelist="L 404 404 404 404 200",
        add="L 404 404 404 404 200",
        history="L 404 404 404 404 200",
        delete="L 404 404 404 404 200",
        change="L 404 404 404 404 200",
    ),
    "admin:auth_user_password_change": row("L 404 404 404 404 200", "user"),
    # --- the second factor: each signed-in user's own pages (docs/identity.md)
    "identity:otp_manage": row("L 200 200 200 200 200"),
    "identity:otp_verify": row("L 302 302 302 302 302"),  # verified already: on to the admin
    "identity:otp_setup": row("L 200 200 200 200 200"),  # a new phone
    # --- failed logins: the system role and superusers look and unlock; nobody edits
    **_model_rows(
        "identity_loginattempt",
        "loginattempt",
        changelist="L 404 404 404 200 200",
        add="L 404 404 404 404 404",
        history="L 404 404 404 200 200",
        delete="L 404 404 404 404 404",
        change="L 404 404 404 200 200",
    ),
    # --- authenticators: a superuser resets a lost one
    **_model_rows(
        "identity_authenticator",
        "authenticator",
        changelist="L 404 404 404 404 200",
        add="L 404 404 404 404 404",
        history="L 404 404 404 404 200",
        delete="L 404 404 404 404 200",
        change="L 404 404 404 404 200",
    ),
    # --- the audit log: read by the system role and superusers, changed by nobody
    **_model_rows(
        "audit_accessevent",
        "accessevent",
        changelist="L 404 404 404 200 200",
        add="L 404 404 404 404 404",
        history="L 404 404 404 200 200",
        delete="L 404 404 404 404 404",
        change="L 404 404 404 200 200",
    ),
    "admin:audit_accessevent_export": row("L 404 404 404 200 200"),
    # --- the 网上申请 queue: agency A's clerks and managers look, confirm and turn away; nobody
    # adds, edits or deletes (docs/online.md)
    **_model_rows(
        "online_onlineapplication",
        "onlineapplication",
        changelist="L 200 200 200 404 200",
        add="L 404 404 404 404 404",
        history="L 200 404 200 404 200",
        delete="L 404 404 404 404 404",
        change="L 200 404 200 404 200",
    ),
    # Confirming goes on to the new request; the reject page asks for the reason.
    "admin:online_onlineapplication_confirm": row(
        "L 302 404 302 404 302", "onlineapplication", method="post"
    ),
    "admin:online_onlineapplication_reject": row("L 200 404 200 404 200", "onlineapplication"),
    # --- uploaded files, for the staff of the owning agency
    "staff_media": row("L 200 404 200 404 200", "media_path"),
    # --- the load balancer's check
    "healthz": row("200 200 200 200 200 200"),
    # --- the public site: the same for everyone
    "disclosure:home": row("200 200 200 200 200 200"),
    "disclosure:robots_txt": row("200 200 200 200 200 200"),
    "disclosure:sitemap": row("200 200 200 200 200 200"),
    "disclosure:sitemap_section": row("200 200 200 200 200 200", "sitemap_section"),
    "disclosure:agency_home": row("200 200 200 200 200 200", "code"),
    "disclosure:item_list": row("200 200 200 200 200 200", "code"),
    "disclosure:item_detail": row("200 200 200 200 200 200", "code", "item"),
    "disclosure:attachment_download": row("200 200 200 200 200 200", "code", "item", "attachment"),
    "disclosure:feeds": row("200 200 200 200 200 200", "code"),
    "disclosure:feed_rss": row("200 200 200 200 200 200", "code"),
    "disclosure:feed_atom": row("200 200 200 200 200 200", "code"),
    "disclosure:category_feed_rss": row("200 200 200 200 200 200", "code", "slug"),
    "disclosure:category_feed_atom": row("200 200 200 200 200 200", "code", "slug"),
    "disclosure:report_list": row("200 200 200 200 200 200", "code"),
    "disclosure:report_detail": row("200 200 200 200 200 200", "code", "year"),
    "disclosure:report_version": row("200 200 200 200 200 200", "code", "year", "version_no"),
    "disclosure:report_pdf": row("200 200 200 200 200 200", "code", "year", "version_no"),
    # The public's applications (never page-cached): the receipt without a fresh submission in
    # the session goes to the status page.
    "disclosure:online_apply": row("200 200 200 200 200 200", "code"),
    "disclosure:online_receipt": row("302 302 302 302 302 302", "code"),
    "disclosure:online_captcha": row("200 200 200 200 200 200", "code"),
    "disclosure:online_status": row("200 200 200 200 200 200", "code"),
    # The decision letter is posted for a number and password; none posted is a 400.
    "disclosure:online_status_letter": row("400 400 400 400 400 400", "code", method="post"),
}


def url_patterns(patterns=None, prefix="", namespace="") -> dict[str, str]:
    """key → route of every URL pattern: the key is ``namespace:name``, or the route for an
    unnamed pattern."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in [namespace, pattern.namespace or ""] if n)
            found.update(url_patterns(pattern.url_patterns, route, inner))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            key = name if pattern.name and name not in found else route
            found[key] = route
    return found


class PermissionMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.a = make_agency("agency-a", "甲局")
        cls.b = make_agency("agency-b", "乙局")
        make_agency("agency-a-unit", "甲局下属单位", parent=cls.a)  # A supervises a unit
        cls.users = {
            "clerk_a": make_clerk("clerk-a", cls.a),
            "clerk_b": make_clerk("clerk-b", cls.b),
            "manager_a": make_manager("manager-a", cls.a),
            "system": make_user("system", role=SYSTEM),
            "superuser": make_user("root", superuser=True),
        }
        cls.item = make_disclosure(cls.a, title="甲局的通知")
        cls.request = make_request(cls.a, number="A-001", subject="甲局的申请")
        cls.case = make_case(cls.a, number="A-CASE", request=cls.request)
        cls.letter = letter_draft_create(request=cls.request, kind="receipt")
        cls.figures = YearlyFigures.objects.create(agency=cls.a, year=2020)
        cls.online, _password = application_submit(
            application=OnlineApplication(
                agency=cls.a,
                applicant_kind="citizen",
                applicant_type="natural_person",
                name="网上申请人",
                id_type="passport",
                id_number="E12345678",
                phone="13900000000",
                address="甲市某路1号",
                description="甲局的网上申请",
                form_wanted="paper",
                delivery="pickup",
                consent=True,
            )
        )
        cls.report = Report.objects.create(agency=cls.a, year=2020, template="2019")
        cls.report.introduction = "修改过的引言。"  # a second history entry
        cls.report.save()

    def setUp(self):
        # Files go to this test's MEDIA_ROOT (conftest), so they are made here.
        attachment = make_attachment(self.item)
        version = make_report_version(self.a, year=2020)
        holiday = Holiday.objects.order_by("date").first()
        self.objects = {
            "agency": self.a.pk,
            "code": self.a.code,
            "category": Category.objects.get(slug="notice").pk,
            "slug": "notice",
            "calendaryear": CalendarYear.objects.get(year=2024).pk,
            "holiday": holiday.pk,
            "item": self.item.pk,
            "item_history": self.item.history.earliest().pk,
            "attachment": attachment.pk,
            "media_path": attachment.file.name,
            "request": self.request.pk,
            "request_history": self.request.history.earliest().pk,
            "case": self.case.pk,
            "case_history": self.case.history.earliest().pk,
            "letter": self.letter.pk,
            "figures": self.figures.pk,
            "onlineapplication": self.online.pk,
            "report": self.report.pk,
            "report_history": self.report.history.earliest().pk,
            "version": version.pk,
            "year": 2020,
            "version_no": 1,
            "group": Group.objects.get(name=CLERK).pk,
            "loginattempt": LoginAttempt.objects.create(
                username="zhangwei", ip_address="203.0.113.9", failures_since_start=1
            ).pk,
            "authenticator": TOTPDevice.objects.create(user=self.users["clerk_a"], name="app").pk,
            "accessevent": AccessEvent.objects.create(action=AccessEvent.Action.LOGIN).pk,
            "user": self.users["clerk_a"].pk,
            "content_type": ContentType.objects.get_for_model(Disclosure).pk,
            "app_label": "disclosure",
            "sitemap_section": "items",
        }

    def _url(self, key: str, row: Row) -> str:
        if row.url:
            return row.url.format(**self.objects)
        return reverse(key, args=[self.objects[name] for name in row.args])

    def _status(self, response) -> str:
        login = reverse("admin:login")
        if response.status_code == 302 and response["Location"].startswith(login):
            return LOGIN
        return str(response.status_code)

    def test_it_has_a_row_for_every_url(self):
        patterns = url_patterns()
        missing = [
            f"{key!r} (route {route!r})" for key, route in patterns.items() if key not in EXPECTED
        ]
        stale = [key for key in EXPECTED if key not in patterns]
        self.assertEqual(
            missing,
            [],
            "These URLs have no row in EXPECTED (tests/test_permission_matrix.py); add one "
            "with the status each role should get:\n  " + "\n  ".join(missing),
        )
        self.assertEqual(stale, [], "EXPECTED has rows for URLs that no longer exist: remove them.")

    # The draft report's PDF is rendered by WeasyPrint in seconds; who may download it is what
    # this test checks (the PDF itself: test_report_pdf), so the renderer returns a stand-in.
    @mock.patch("reports.views.render_report_pdf", return_value=b"%PDF-1.4 stand-in")
    @mock.patch("disclosure.letters.admin.letter_pdf", return_value=b"%PDF-1.4 stand-in")
    def test_it_answers_each_role_as_expected(self, _letter, _render):
        wrong = []
        for i, role in enumerate(ROLES):
            if role == "anonymous":
                self.client.logout()
            else:
                log_in(self.client, self.users[role])
            for key, row in EXPECTED.items():
                url = self._url(key, row)
                # Each request in a savepoint rolled back: a POST changes nothing for the next.
                with transaction.atomic():
                    response = getattr(self.client, row.method)(url, row.query)
                    transaction.set_rollback(True)
                got, want = self._status(response), row.expect.split()[i]
                if got != want:
                    wrong.append(
                        f"{role:>10}  {row.method.upper():4} {url}  got {got}, want {want}"
                    )
        self.assertEqual(wrong, [], "Statuses that differ from EXPECTED:\n" + "\n".join(wrong))
