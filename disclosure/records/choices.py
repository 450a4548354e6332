"""The official label text of applicant types, outcomes, channels and case kinds, on the
``TextChoices``, and nowhere else; the report's row labels (with their "（一）" numbering) live in
``reports.labels``."""

from enum import nonmember

from django.db import models


class ApplicantKind(models.TextChoices):
    """Who applies, as 第二十九条 and the forms ask it first: a citizen, or an organisation (then
    its ``ApplicantType`` for table 三)."""

    CITIZEN = "citizen", "公民"
    ORGANISATION = "organisation", "法人或其他组织"


class ApplicantType(models.TextChoices):
    """The columns of table 三 (申请人情况)."""

    NATURAL_PERSON = "natural_person", "自然人"
    COMMERCIAL = "commercial", "商业企业"
    RESEARCH = "research", "科研机构"
    PUBLIC_INTEREST = "public_interest", "社会公益组织"
    LEGAL_SERVICE = "legal_service", "法律服务机构"
    OTHER_ORG = "other_org", "其他"


class Outcome(models.TextChoices):
    """The rows of 三、本年度办理结果; one outcome per request."""

    GRANTED = "granted", "予以公开"
    PARTIAL = "partial", "部分公开"
    WITHHELD_STATE_SECRET = "withheld_state_secret", "属于国家秘密"
    WITHHELD_LAW_PROHIBITS = "withheld_law_prohibits", "其他法律行政法规禁止公开"
    WITHHELD_SECURITY_STABILITY = "withheld_security_stability", "危及“三安全一稳定”"
    WITHHELD_THIRD_PARTY = "withheld_third_party", "保护第三方合法权益"
    WITHHELD_INTERNAL_AFFAIRS = "withheld_internal_affairs", "属于三类内部事务信息"
    WITHHELD_PROCESS_INFO = "withheld_process_info", "属于四类过程性信息"
    WITHHELD_ENFORCEMENT_FILE = "withheld_enforcement_file", "属于行政执法案卷"
    WITHHELD_QUERY_MATTER = "withheld_query_matter", "属于行政查询事项"
    UNAVAILABLE_NOT_HELD = "unavailable_not_held", "本机关不掌握相关政府信息"
    UNAVAILABLE_NEEDS_CREATION = "unavailable_needs_creation", "没有现成信息需要另行制作"
    UNAVAILABLE_STILL_UNCLEAR = "unavailable_still_unclear", "补正后申请内容仍不明确"
    REJECTED_PETITION = "rejected_petition", "信访举报投诉类申请"
    REJECTED_DUPLICATE = "rejected_duplicate", "重复申请"
    REJECTED_PUBLICATION = "rejected_publication", "要求提供公开出版物"
    REJECTED_EXCESSIVE = "rejected_excessive", "无正当理由大量反复申请"
    REJECTED_CONFIRMATION = "rejected_confirmation", "要求行政机关确认或重新出具已获取信息"
    OTHER_NO_CORRECTION = (
        "other_no_correction",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    )
    OTHER_UNPAID_FEE = (
        "other_unpaid_fee",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    )
    OTHER = "other", "其他处理"

    # Groups of the report (（三）不予公开, （四）无法提供, （五）不予处理, （六）其他处理).
    WITHHELD = nonmember(
        (
            "withheld_state_secret",
            "withheld_law_prohibits",
            "withheld_security_stability",
            "withheld_third_party",
            "withheld_internal_affairs",
            "withheld_process_info",
            "withheld_enforcement_file",
            "withheld_query_matter",
        )
    )
    UNAVAILABLE = nonmember(
        ("unavailable_not_held", "unavailable_needs_creation", "unavailable_still_unclear")
    )
    REJECTED = nonmember(
        (
            "rejected_petition",
            "rejected_duplicate",
            "rejected_publication",
            "rejected_excessive",
            "rejected_confirmation",
        )
    )
    OTHERS = nonmember(("other_no_correction", "other_unpaid_fee", "other"))


class Channel(models.TextChoices):
    """How the application arrived (条例第三十一条)."""

    IN_PERSON = "in_person", "当面"
    POST = "post", "邮寄"
    ONLINE = "online", "网络"
    FAX = "fax", "传真"
    OTHER = "other", "其他"


class CaseKind(models.TextChoices):
    REVIEW = "review", "行政复议"
    LITIGATION_DIRECT = "litigation_direct", "未经复议直接起诉"
    LITIGATION_AFTER_REVIEW = "litigation_after_review", "复议后起诉"


class CaseResult(models.TextChoices):
    UPHELD = "upheld", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"
