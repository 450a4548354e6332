"""Writes on online applications: submitting one (the public form), confirming it as a request
(条例第三十一条第三项) or marking it as not an application; the e-mails to the applicant."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import Channel
from disclosure.records.services import request_save

from .models import OnlineApplication, Status

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: read off a screen or a printout and typed again.
PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 10
NUMBER_PREFIX = "WS"


def _new_number(today: datetime.date) -> str:
    """WS + date + 6 random digits: not guessable in sequence, unique by the database."""
    return f"{NUMBER_PREFIX}{today:%Y%m%d}{get_random_string(6, '0123456789')}"


def application_submit(*, application: OnlineApplication) -> tuple[OnlineApplication, str]:
    """Store a new application (status 待确认) with a fresh number and query password; returns
    the application and the password in clear, which is shown once and never stored."""
    password = get_random_string(PASSWORD_LENGTH, PASSWORD_ALPHABET)
    application.password_hash = make_password(password)
    application.status = Status.PENDING
    today = timezone.localdate()
    for _attempt in range(5):
        application.number = _new_number(today)
        application.full_clean()
        try:
            with transaction.atomic():
                application.save()
            break
        except IntegrityError:
            continue
    else:
        raise ValidationError("无法生成申请号，请稍后再试。")
    if application.email:
        _mail_after_commit(
            application,
            "已收到您的政府信息公开网上申请",
            f"您向{application.agency.name}提交的政府信息公开申请已收到。\n"
            f"申请号：{application.number}\n查询密码：{password}\n"
            "机关确认后即为收到申请之日（《政府信息公开条例》第三十一条第三项），"
            "答复期限自该日起计算。请凭申请号和查询密码在网站查询办理状态。",
        )
    return application, password


def _subject(application: OnlineApplication) -> str:
    lines = []
    if application.info_title:
        lines.append(f"所需信息名称：{application.info_title}")
    if application.info_document_number:
        lines.append(f"文号：{application.info_document_number}")
    lines.append(f"内容描述：{application.description}")
    lines.append(
        f"获取信息的方式：{application.get_form_wanted_display()}；"
        f"获取途径：{application.get_delivery_display()}"
    )
    return "\n".join(lines)


def _applicant_name(application: OnlineApplication) -> str:
    if application.contact_person:
        return f"{application.name}（联系人：{application.contact_person}）"
    return application.name


def _locked_pending(application: OnlineApplication) -> OnlineApplication:
    locked = OnlineApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != Status.PENDING:
        raise ValidationError(f"网上申请{locked.number}已处理（{locked.get_status_display()}）。")
    return locked


@transaction.atomic
def application_confirm(
    *, application: OnlineApplication, user, confirmed_on: datetime.date | None = None
) -> DisclosureRequest:
    """Confirm an application: it becomes a request with channel 网络, received on the day of
    confirmation (条例第三十一条第三项), with the applicant's data moved over and the due date
    computed by the clock. Returns the request."""
    application = _locked_pending(application)
    request = DisclosureRequest(
        agency=application.agency,
        received_on=confirmed_on or timezone.localdate(),
        channel=Channel.ONLINE,
        applicant_type=application.applicant_type,
        applicant_name=_applicant_name(application),
        applicant_id_number=application.id_number,
        applicant_phone=application.phone,
        applicant_address=application.address,
        applicant_email=application.email,
        subject=_subject(application),
        notes=f"网上申请{application.number}（证件类型：{application.get_id_type_display()}）",
        handler=user,
    )
    request_save(request=request)
    application.status = Status.CONFIRMED
    application.request = request
    application.decided_at = timezone.now()
    application.decided_by = user
    application.full_clean()
    application.save()
    if application.email:
        _mail_after_commit(
            application,
            "您的政府信息公开申请已受理",
            f"您的网上申请（申请号{application.number}）已于{request.received_on:%Y年%m月%d日}确认受理，"
            f"答复期限为{request.due_on:%Y年%m月%d日}。",
        )
    return request


@transaction.atomic
def application_reject(*, application: OnlineApplication, user, reason: str) -> OnlineApplication:
    """Mark an application as not an application (重复、无效、不属于政府信息公开申请…) with the
    reason the applicant reads on the status page."""
    application = _locked_pending(application)
    application.status = Status.REJECTED
    application.reject_reason = reason.strip()
    application.decided_at = timezone.now()
    application.decided_by = user
    application.full_clean()
    application.save()
    if application.email:
        _mail_after_commit(
            application,
            "您的政府信息公开网上申请未予受理",
            f"您的网上申请（申请号{application.number}）未予受理，理由：{application.reject_reason}",
        )
    return application


def _mail_after_commit(application: OnlineApplication, subject: str, body: str) -> None:
    """Send once the write is committed; a mail server that fails does not undo the write (the
    log names the application number only, never the address)."""
    number, address = application.number, application.email

    def send():
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception:  # noqa: BLE001 - any transport failure: the record stays, the log says so
            logger.warning("online application %s: e-mail not sent", number, exc_info=False)

    transaction.on_commit(send)
