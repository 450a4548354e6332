"""The kinds of events that move a request's statutory clock, and the fee standards: choices
shared by the models and the pure ``compute`` (which needs no database)."""

from enum import nonmember

from django.db import models


class RequestEventKind(models.TextChoices):
    """What happened to a request that moves its statutory clock."""

    CORRECTION_NOTICE = "correction_notice", "发出补正通知"
    CORRECTION_RECEIVED = "correction_received", "收到补正申请"
    CONSULT_THIRD_PARTY = "consult_third_party", "征求第三方意见"
    CONSULT_AGENCY = "consult_agency", "征求其他机关意见"
    EXTENSION = "extension", "延长答复期限"
    FEE_NOTICE = "fee_notice", "发出收费通知"
    FEE_PAID = "fee_paid", "申请人缴费"

    # Kinds a request has at most once (第三十条 一次性告知; 第三十三条 one extension).
    ONCE = nonmember(
        ("correction_notice", "correction_received", "extension", "fee_notice", "fee_paid")
    )
    CONSULTATIONS = nonmember(("consult_third_party", "consult_agency"))


class FeeBasis(models.TextChoices):
    """国办函〔2020〕109号第三条: one standard per request, never both."""

    PER_PIECE = "per_piece", "按件计收"
    PER_PAGE = "per_page", "按量计收"
