"""Decision letters (政府信息公开申请答复书): one per outcome, with its legal ground, filled from
the request. The letter goes to the applicant, so it carries the applicant's name; it is built and
downloaded in the admin only.

The ground of each outcome row follows the mapping in annual-report-format.md §2.5 (an
interpretation: the national template prints no articles).
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.clock.calendar import CalendarMissing, format_date
from disclosure.clock.kinds import RequestEventKind
from disclosure.clock.selectors import request_deadline
from disclosure.clock.statute import FEE_PAYMENT_DAYS
from disclosure.pdf import render_pdf
from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import Channel, Outcome

REGULATION = "《中华人民共和国政府信息公开条例》"
FEE_RULES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


@dataclass(frozen=True)
class Ground:
    ground: str  # the legal basis as printed, e.g. "第三十六条第（二）项"
    decision: str  # what the agency decides; "{ground}" is replaced by the full citation
    regulation: str = REGULATION


WITHHELD = "本机关决定不予公开。"
GROUNDS: dict[str, Ground] = {
    Outcome.GRANTED: Ground(
        "第三十六条第（二）项",
        "你申请获取的政府信息属于可以公开的政府信息。根据{ground}的规定，本机关决定予以公开，"
        "现将该政府信息提供给你（见附件）。",
    ),
    Outcome.PARTIAL: Ground(
        "第三十七条",
        "你申请获取的政府信息中含有不应当公开的内容，但能够作区分处理。根据{ground}的规定，"
        "本机关向你提供可以公开的内容（见附件）；不予公开的部分已在所提供的材料中逐项标注，"
        "并说明不予公开的理由。",
    ),
    Outcome.WITHHELD_STATE_SECRET: Ground(
        "第十四条",
        "你申请获取的政府信息依法确定为国家秘密。根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_LAW_PROHIBITS: Ground(
        "第十四条",
        "你申请获取的政府信息属于法律、行政法规禁止公开的政府信息。根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_SECURITY_STABILITY: Ground(
        "第十四条",
        "你申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定。"
        "根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_THIRD_PARTY: Ground(
        "第十五条、第三十二条",
        "你申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，"
        "且第三方不同意公开。根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_INTERNAL_AFFAIRS: Ground(
        "第十六条第一款",
        "你申请获取的政府信息属于行政机关的内部事务信息（人事管理、后勤管理、内部工作流程等"
        "方面的信息）。根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_PROCESS_INFO: Ground(
        "第十六条第二款",
        "你申请获取的政府信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、"
        "磋商信函、请示报告等过程性信息。根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_ENFORCEMENT_FILE: Ground(
        "第十六条第二款",
        "你申请获取的政府信息属于行政执法案卷信息。根据{ground}的规定，" + WITHHELD,
    ),
    Outcome.WITHHELD_QUERY_MATTER: Ground(
        "第三十六条第（七）项",
        "你申请获取的信息属于有关法律、行政法规对信息的获取有特别规定的查询事项。"
        "根据{ground}的规定，请你依照有关法律、行政法规的规定办理。",
    ),
    Outcome.UNAVAILABLE_NOT_HELD: Ground(
        "第三十六条第（四）项",
        "经检索，本机关没有你所申请公开的政府信息。根据{ground}的规定，现告知你该政府信息不存在。",
    ),
    Outcome.UNAVAILABLE_NEEDS_CREATION: Ground(
        "第三十八条",
        "本机关没有现成的你所申请的信息，提供该信息需要对现有政府信息进行加工、分析。"
        "根据{ground}的规定，本机关不予提供。",
    ),
    Outcome.UNAVAILABLE_STILL_UNCLEAR: Ground(
        "第三十条",
        "你补正后的申请内容仍不明确，本机关无法确定你所需要的政府信息。根据{ground}的规定，"
        "本机关无法向你提供。你可以在明确所需政府信息的名称、文号或者其他特征性描述后重新申请。",
    ),
    Outcome.REJECTED_PETITION: Ground(
        "第三十九条第一款",
        "你以政府信息公开申请的形式提出的是信访、投诉、举报等事项。根据{ground}的规定，"
        "本机关不作为政府信息公开申请处理，你可以通过信访、投诉、举报等相应渠道提出。",
    ),
    Outcome.REJECTED_DUPLICATE: Ground(
        "第三十六条第（六）项",
        "本机关已就你提出的同一政府信息公开申请作出答复，你再次申请公开相同的政府信息。"
        "根据{ground}的规定，本机关不予重复处理。",
    ),
    Outcome.REJECTED_PUBLICATION: Ground(
        "第三十九条第二款",
        "你申请获取的是政府公报、报刊、书籍等公开出版物。根据{ground}的规定，"
        "请你通过公开发行渠道获取。",
    ),
    Outcome.REJECTED_EXCESSIVE: Ground(
        "第三十五条",
        "你申请公开政府信息的数量、频次明显超过合理范围，本机关要求你说明理由，"
        "经审查理由不合理。根据{ground}的规定，本机关不予处理。",
    ),
    Outcome.REJECTED_CONFIRMATION: Ground(
        "",
        "你的申请系要求本机关确认或者重新出具你已获取的信息，不属于{regulation}所规定的"
        "政府信息公开申请，本机关不作为政府信息公开申请处理。",
    ),
    Outcome.OTHER_NO_CORRECTION: Ground(
        "第三十条",
        "{notice}你无正当理由逾期未补正。根据{ground}的规定，视为你放弃申请，"
        "本机关不再处理该政府信息公开申请。",
    ),
    Outcome.OTHER_UNPAID_FEE: Ground(
        "",
        "{notice}你逾期未缴纳信息处理费。根据{regulation}的规定，视为你放弃申请，"
        "本机关不再处理该政府信息公开申请。",
        regulation=FEE_RULES,
    ),
    # Outcome.OTHER (其他处理, e.g. a withdrawal) has no standard wording: no letter.
}

CHANNEL_PHRASES = {
    Channel.IN_PERSON: "当面提交的",
    Channel.POST: "以邮寄方式提出的",
    Channel.ONLINE: "通过互联网提出的",
    Channel.FAX: "以传真方式提出的",
    Channel.OTHER: "提出的",
}


class NoLetter(Exception):
    """The request has no decision yet, or its outcome has no standard letter."""


def letter_context(request: DisclosureRequest) -> dict:
    """Everything the letter template prints, worded from the request and its events."""
    ground = _ground(request)
    events = {e.kind: e for e in request.events.all()}
    citation = f"{ground.regulation}{ground.ground}" if ground.ground else ground.regulation
    decision = ground.decision.format(
        ground=citation, regulation=ground.regulation, notice=_notice_text(request, events)
    )
    paragraphs = [
        _application_paragraph(request),
        *_handling_paragraphs(events),
        f"经审查，现答复如下：{decision}",
    ]
    agency = request.agency
    return {
        "request": request,
        "agency": agency,
        "title": "政府信息公开申请答复书",
        "number": request.number,
        "addressee": request.applicant_name.strip() or "申请人",
        "paragraphs": paragraphs,
        "remedy": _remedy(agency),
        "ground": citation,
        "outcome_label": request.get_outcome_display(),
        "signed_on": format_date(request.decided_on),
        "contact": _contact(agency),
    }


def _ground(request: DisclosureRequest) -> Ground:
    """The outcome's ground; ``NoLetter`` without a decision or a standard letter."""
    if not request.outcome or not request.decided_on:
        raise NoLetter("该申请尚未填写办理结果和答复日期，还不能生成答复书。")
    ground = GROUNDS.get(request.outcome)
    if ground is None:
        raise NoLetter("“其他处理”没有统一的答复书格式，请另行制作。")
    return ground


def _application_paragraph(request: DisclosureRequest) -> str:
    """When and how the application came in, and what it asked for."""
    you = "你" if request.applicant_type == "natural_person" else "你单位"
    subject = request.subject.strip()
    return (
        f"本机关于{format_date(request.received_on)}收到{you}"
        f"{CHANNEL_PHRASES.get(request.channel, '提出的')}政府信息公开申请"
        + (f"，申请内容为“{subject}”。" if subject else "。")
    )


def _handling_paragraphs(events: dict) -> list[str]:
    """The 补正 received (第三十条) and the extension the applicant was told of (第三十三条)."""
    paragraphs = []
    notice = events.get(RequestEventKind.CORRECTION_NOTICE)
    corrected = events.get(RequestEventKind.CORRECTION_RECEIVED)
    if notice and corrected:
        paragraphs.append(
            f"本机关于{format_date(notice.on)}告知你作出补正，"
            f"于{format_date(corrected.on)}收到补正后的申请。"
        )
    extension = events.get(RequestEventKind.EXTENSION)
    if extension and extension.notified_on:
        paragraphs.append(
            f"经本机关政府信息公开工作机构负责人同意，本机关已于{format_date(extension.notified_on)}"
            f"告知你延长答复期限{extension.period_days}个工作日。"
        )
    return paragraphs


def _notice_text(request: DisclosureRequest, events: dict) -> str:
    """For a request abandoned by not correcting or not paying: the notice the applicant let
    lapse, with its period; "" otherwise."""
    if request.outcome not in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_UNPAID_FEE):
        return ""
    try:
        until = request_deadline(request, events=list(events.values())).waiting_until
    except CalendarMissing:
        until = None
    by = f"，期限至{format_date(until)}" if until else ""
    notice = events.get(RequestEventKind.CORRECTION_NOTICE)
    if request.outcome == Outcome.OTHER_NO_CORRECTION and notice:
        return (
            f"本机关于{format_date(notice.on)}向你发出补正通知，"
            f"请你在{notice.period_days}个工作日内补正{by}。"
        )
    fee = events.get(RequestEventKind.FEE_NOTICE)
    if request.outcome == Outcome.OTHER_UNPAID_FEE and fee:
        return (
            f"本机关于{format_date(fee.on)}向你发出收费通知，信息处理费{fee.amount}元"
            f"（{fee.get_fee_basis_display()}），缴费期限为收到通知次日起"
            f"{FEE_PAYMENT_DAYS}个工作日{by}。"
        )
    return ""


def _remedy(agency) -> str:
    """The applicant's remedies: 行政复议 within sixty days, or a lawsuit within six months."""
    review_body = agency.parent.name if agency.parent_id else "有管辖权的行政复议机关"
    return (
        f"如对本答复不服，可以自收到本答复书之日起六十日内向{review_body}申请行政复议，"
        f"或者自收到本答复书之日起六个月内向人民法院提起行政诉讼。"
    )


def _contact(agency) -> str:
    """The agency's contact office, phone and address, those it has."""
    return "；".join(
        part
        for part in (
            f"联系部门：{agency.contact_office}" if agency.contact_office else "",
            f"联系电话：{agency.phone}" if agency.phone else "",
            f"地址：{agency.address}" if agency.address else "",
        )
        if part
    )


def letter_pdf(request: DisclosureRequest) -> bytes:

    return render_pdf("disclosure/letters/decision.html", letter_context(request))
