"""A few small factories and a named cast of users for the tests."""

import base64
import csv
import datetime
import hashlib
import io
import itertools
import time

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.clock import services as clock_services
from disclosure.identity.middleware import LAST_SEEN
from disclosure.models import Agency, Attachment, Case, Category, Disclosure, DisclosureRequest
from disclosure.records import services
from disclosure.roles import CLERK, MANAGER
from reports.models import ReportVersion

_seq = itertools.count(1)


def make_agency(code=None, name=None, **kwargs) -> Agency:
    n = next(_seq)
    return Agency.objects.create(code=code or f"agency{n}", name=name or f"测试机关{n}", **kwargs)


def make_user(username, *, role=None, agencies=(), superuser=False, password="pw-for-tests-1"):
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=True, is_superuser=superuser
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    for agency in agencies:
        agency.members.add(user)
    return user


def log_in(client, user) -> TOTPDevice:
    """Sign ``user`` in on the test ``client`` with both factors, as the login page and the code
    page leave a session: Django's login (``force_login``) and the authenticator that verified
    it (its persistent id in the session, what ``django_otp.login`` stores). The user's
    authenticator is made if they have none. The admin then opens as after a real login;
    tests/test_login_*.py go through the pages themselves."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LAST_SEEN] = int(time.time())  # as the first page after the login leaves it
    session.save()
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows now (or at the Unix time ``at``) for ``device``,
    computed from its key as the app does (RFC 6238: HMAC-SHA1, 30-second steps, six digits)."""
    app = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    app.time = time.time() if at is None else at
    return f"{app.token():0{device.digits}d}"


def totp_for_secret(secret: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows for the key typed in from the enrolment page (base32,
    in groups of four): what a person does without scanning the QR code."""
    compact = "".join(secret.split()).upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    app = TOTP(key)
    app.time = time.time() if at is None else at
    return f"{app.token():06d}"


def make_clerk(username, agency):
    return make_user(username, role=CLERK, agencies=[agency])


def make_manager(username, agency):
    return make_user(username, role=MANAGER, agencies=[agency])


def make_request(agency, *, received_on=datetime.date(2020, 3, 2), **kwargs) -> DisclosureRequest:
    kwargs.setdefault("applicant_type", "natural_person")
    request = DisclosureRequest(agency=agency, received_on=received_on, **kwargs)
    return services.request_save(request=request)


def make_case(agency, *, filed_on=datetime.date(2020, 5, 6), kind="review", **kwargs) -> Case:
    return services.case_save(case=Case(agency=agency, filed_on=filed_on, kind=kind, **kwargs))


def make_disclosure(agency, *, category="notice", status="published", **kwargs) -> Disclosure:
    kwargs.setdefault("title", f"测试信息{next(_seq)}")
    if status == "published":
        kwargs.setdefault("published_on", datetime.date(2020, 4, 1))
    return Disclosure.objects.create(
        agency=agency, category=Category.objects.get(slug=category), status=status, **kwargs
    )


def ledger_csv(rows, *, bom=True) -> bytes:
    """A ledger file as Excel writes "CSV UTF-8" (with a BOM unless told otherwise)."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def ledger_xlsx(rows, *, extra_sheets=0) -> bytes:
    """A ledger file as .xlsx: ``rows`` on the first sheet, then ``extra_sheets`` more sheets
    (the last one active, as a workbook saved while looking at another sheet)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for n in range(extra_sheets):
        book.create_sheet(f"说明{n}")
        book.active = len(book.worksheets) - 1
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def make_event(request, kind, on, **details):
    """Record an event on a request through the service (validated, due date recomputed)."""
    return clock_services.request_add_event(request=request, kind=kind, on=on, **details)


# A one-page PDF small enough to write by hand (poppler reads it).
SMALL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_attachment(disclosure, *, title="附件", name="attachment.pdf", content=SMALL_PDF):
    """An attachment with its file written to MEDIA_ROOT (call it inside a test, not in
    setUpTestData: each test gets its own MEDIA_ROOT)."""
    attachment = Attachment(disclosure=disclosure, title=title)
    attachment.file.save(name, ContentFile(content))
    return attachment


def make_report_version(agency, *, year=2020, version=1, pdf=SMALL_PDF, html=None, **kwargs):
    """A published report version as the report app stores it, PDF file included (call it
    inside a test)."""
    title = f"{agency.name}{year}年政府信息公开工作年度报告"
    kwargs.setdefault("reason", "" if version == 1 else "更正表三的一个数字。")
    report = ReportVersion(
        agency=agency,
        year=year,
        version=version,
        template="2019" if year <= 2020 else "2021",
        title=title,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        data={"year": year},
        html=html or f'<article class="ogi-report"><h1 class="report-title">{title}</h1></article>',
        published_at=timezone.now(),
        **kwargs,
    )
    report.pdf.save(f"v{version}.pdf", ContentFile(pdf), save=False)
    report.save()
    return report
