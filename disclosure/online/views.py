"""The public's pages: the application form, its receipt, the captcha image and the status
look-up. None of them goes through the public page cache, and every response is ``no-store``:
they hold what one applicant typed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from disclosure.audit.services import client_address
from disclosure.records.models import Agency
from disclosure.records.uploads import check_sealed, refuse_altered, sandbox_download

from . import captcha, throttle
from .forms import ApplyForm, StatusForm
from .selectors import application_for, decision_letter, public_status
from .services import application_submit

RECEIPT_KEY = "online_receipt"
HOUR = 3600


def _agency(code: str) -> Agency:
    return get_object_or_404(Agency, code=code)


def _crumbs(agency: Agency, title: str) -> list:
    return [
        ("首页", reverse("disclosure:home")),
        (agency.name, agency.get_absolute_url()),
        (title, None),
    ]


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.ONLINE_MAX_BODY_BYTES


def _address(request) -> str:
    return client_address(request) or "unknown"


def _render_form(request, agency, form, *, status=200, notice=""):
    # A new sum for the next try; a post that came without a session (a bot posting
    # directly) gets none, so it leaves no session row behind.
    if request.method == "GET" or request.session.session_key:
        captcha.new_challenge(request.session)
    return render(
        request,
        "online/apply.html",
        {
            "agency": agency,
            "form": form,
            "notice": notice,
            "crumbs": _crumbs(agency, "在线申请"),
        },
        status=status,
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def apply(request, code):
    agency = _agency(code)
    if request.method == "GET":
        return _render_form(request, agency, ApplyForm(session=request.session))
    if _too_large(request):
        return HttpResponse(
            "提交的内容过长。", status=413, content_type="text/plain; charset=utf-8"
        )
    address = _address(request)
    if throttle.hit("apply", address, seconds=HOUR) > settings.ONLINE_APPLY_PER_HOUR:
        return _render_form(
            request,
            agency,
            ApplyForm(session=request.session),
            status=429,
            notice="本网络地址提交次数过多，请一小时后再试，或通过信函、当面等方式提出申请。",
        )
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        # Nobody opened the form (where the captcha is drawn): a script posting directly.
        return HttpResponse(
            "请先打开申请页面，按页面上的验证码填写后提交。",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    form = ApplyForm(request.POST, session=request.session)
    if form.is_valid():
        form.instance.agency = agency
        try:
            application, password = application_submit(application=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[RECEIPT_KEY] = {
                "number": application.number,
                "password": password,
                "code": agency.code,
            }
            return redirect("disclosure:online_receipt", code=agency.code)
    return _render_form(request, agency, form, status=400)


@never_cache
@require_GET
def receipt(request, code):
    """The number and password, shown once: the session forgets them as the page is shown."""
    agency = _agency(code)
    shown = request.session.pop(RECEIPT_KEY, None)
    if not shown or shown.get("code") != agency.code:
        return redirect("disclosure:online_status", code=agency.code)
    return render(
        request,
        "online/receipt.html",
        {
            "agency": agency,
            "number": shown["number"],
            "password": shown["password"],
            "today": timezone.localdate(),
            "crumbs": _crumbs(agency, "申请回执"),
        },
    )


@never_cache
@require_GET
def captcha_image(request, code):
    _agency(code)
    response = HttpResponse(captcha.image_for(request.session), content_type="image/png")
    return response


def _locked(address: str, number: str) -> bool:
    limit = settings.ONLINE_STATUS_FAILURE_LIMIT
    return (
        throttle.count("status-addr", address) >= limit
        or throttle.count("status-number", number) >= limit
    )


def _verified(request, agency, context):
    """(application, None) for a right number and password, else (None, the response to send).
    Failures count per address and per number; at ``ONLINE_STATUS_FAILURE_LIMIT`` both are
    locked for ``ONLINE_STATUS_LOCKOUT_MINUTES``."""
    if _too_large(request):
        return None, HttpResponse(
            "提交的内容过长。", status=413, content_type="text/plain; charset=utf-8"
        )
    form = StatusForm(request.POST)
    if not form.is_valid():
        return None, render(request, "online/status.html", {**context, "form": form}, status=400)
    number = form.cleaned_data["number"].strip().upper()
    address = _address(request)
    seconds = settings.ONLINE_STATUS_LOCKOUT_MINUTES * 60
    if _locked(address, number):
        # Each try while locked starts the period again.
        throttle.hit("status-addr", address, seconds=seconds)
        notice = (
            f"查询失败次数过多，已暂停查询{settings.ONLINE_STATUS_LOCKOUT_MINUTES}分钟。"
            "如忘记查询密码，请与本机关联系。"
        )
        response = render(
            request,
            "online/status.html",
            {**context, "form": StatusForm(), "notice": notice},
            status=429,
        )
        return None, response
    application = application_for(
        agency=agency, number=number, password=form.cleaned_data["password"]
    )
    if application is None:
        throttle.hit("status-addr", address, seconds=seconds)
        throttle.hit("status-number", number, seconds=seconds)
        notice = "未找到该申请，或查询密码不正确。"
        response = render(
            request,
            "online/status.html",
            {**context, "form": StatusForm(), "notice": notice},
            status=404,
        )
        return None, response
    throttle.clear("status-number", number)
    return application, None


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def status(request, code):
    """Number + password → the state in plain words (POST: the password is never in an
    address)."""
    agency = _agency(code)
    context = {"agency": agency, "crumbs": _crumbs(agency, "申请办理状态查询")}
    if request.method == "GET":
        return render(request, "online/status.html", {**context, "form": StatusForm()})
    application, refused = _verified(request, agency, context)
    if refused:
        return refused
    return render(
        request,
        "online/status.html",
        {
            **context,
            "status": public_status(application, today=timezone.localdate()),
            # The letter's button posts the same number and password again.
            "number": application.number,
            "password": request.POST.get("password", ""),
        },
    )


@never_cache
@csrf_protect
@require_http_methods(["POST"])
@refuse_altered
def status_letter(request, code):
    """The issued decision letter's PDF, for the number and password (checked and counted as on
    the status page), sent as stored and checked against its seal."""
    agency = _agency(code)
    context = {"agency": agency, "crumbs": _crumbs(agency, "申请办理状态查询")}
    application, refused = _verified(request, agency, context)
    if refused:
        return refused
    letter = decision_letter(application)
    if letter is None:
        raise Http404("尚无答复书。")
    handle = letter.pdf.open("rb")
    check_sealed(handle, letter.pdf_sha256, name=letter.pdf.name)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"答复书-{application.number}.pdf",
        content_type="application/pdf",
    )
    return sandbox_download(response)
