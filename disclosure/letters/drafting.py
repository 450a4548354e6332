"""Every letter the clock knows about, drafted from the record: 受理回执, 补正通知书 (with the
period), 延期答复告知书, 收费通知书 (the amount the fee rules computed), 征求第三方意见函 and the
decision letter per outcome. A draft is an unsaved ``Letter``: previewed as it is, or saved for
the clerk to edit and issue (``services``).

What the record cannot supply (what to correct, why the extension, how to pay) is left as a
【…】 placeholder the clerk fills in; a letter still holding one cannot be issued.
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.clock.calendar import format_date
from disclosure.clock.kinds import FeeBasis, RequestEventKind
from disclosure.clock.models import RequestEvent
from disclosure.clock.selectors import request_deadline
from disclosure.clock.statute import ANSWER_DAYS, CONSULTATION_DAYS, FEE_PAYMENT_DAYS
from disclosure.records.applications import DisclosureRequest

from .decision import NoLetter, decision_paragraphs
from .grounds import FEE_RULES, REGULATION
from .models import Letter, LetterKind
from .wording import Address, application_sentence, contact, quoted, remedy, tidy

TITLES = {
    LetterKind.RECEIPT: "政府信息公开申请登记回执",
    LetterKind.CORRECTION: "政府信息公开申请补正通知书",
    LetterKind.EXTENSION: "政府信息公开申请延期答复告知书",
    LetterKind.FEE: "政府信息公开信息处理费缴费通知书",
    LetterKind.CONSULTATION: "政府信息公开征求第三方意见函",
    LetterKind.DECISION: "政府信息公开申请答复书",
}
# The event a letter is about.
EVENT_KINDS = {
    LetterKind.CORRECTION: RequestEventKind.CORRECTION_NOTICE,
    LetterKind.EXTENSION: RequestEventKind.EXTENSION,
    LetterKind.FEE: RequestEventKind.FEE_NOTICE,
    LetterKind.CONSULTATION: RequestEventKind.CONSULT_THIRD_PARTY,
}


@dataclass(frozen=True)
class LetterOption:
    """A letter the record allows: its kind and the event it is about (if any)."""

    kind: str
    event: RequestEvent | None = None

    @property
    def label(self) -> str:
        label = LetterKind(self.kind).label
        if self.event is not None and self.event.counterpart:
            label += f"（{self.event.counterpart}）"
        return label


def letter_options(request: DisclosureRequest) -> list[LetterOption]:
    """The letters this request's record allows, in the order they are sent."""
    options = [LetterOption(LetterKind.RECEIPT)]
    events = list(request.events.all())
    for kind, event_kind in EVENT_KINDS.items():
        options += [LetterOption(kind, e) for e in events if e.kind == event_kind]
    if request.outcome and request.decided_on and request.outcome != "other":
        options.append(LetterOption(LetterKind.DECISION))
    return options


def letter_draft(
    request: DisclosureRequest, kind: str = LetterKind.DECISION, event: RequestEvent | None = None
) -> Letter:
    """The letter of ``kind`` as the record words it today (unsaved). ``NoLetter`` when the
    record does not allow it."""
    if kind not in LetterKind.values:
        raise NoLetter("没有这种文书。")
    if kind in EVENT_KINDS:
        event = _event_for(request, kind, event)
    writer = WRITERS[kind]
    address = (
        Address.named(event.counterpart)
        if kind == LetterKind.CONSULTATION
        else Address.applicant(request)
    )
    paragraphs, closing, dated = writer(request, event, address)
    agency = request.agency
    return Letter(
        agency=agency,
        request=request,
        event=event,
        kind=kind,
        title=TITLES[kind],
        addressee=address.name,
        body="\n\n".join(tidy(p) for p in paragraphs),
        closing=closing,
        signer=agency.name,
        dated=dated,
        contact=contact(agency),
    )


def _event_for(request: DisclosureRequest, kind: str, event: RequestEvent | None) -> RequestEvent:
    wanted = EVENT_KINDS[kind]
    if event is not None and event.request_id == request.pk and event.kind == wanted:
        return event
    found = [e for e in request.events.all() if e.kind == wanted]
    if event is None and len(found) == 1:
        return found[0]
    label = RequestEventKind(wanted).label
    if found:
        raise NoLetter(f"本申请有多项“{label}”：请在申请页面的文书列表中选择其中一项。")
    raise NoLetter(f"请先在“办理事项”中登记“{label}”，再生成{LetterKind(kind).label}。")


def _receipt(request, event, address):
    you = address.you
    return (
        [
            application_sentence(request, you),
            f"根据{REGULATION}第三十三条的规定，本机关将自收到申请之日起{ANSWER_DAYS}个工作日内"
            f"予以答复；需要延长答复期限的，经本机关政府信息公开工作机构负责人同意并告知{you}，"
            f"延长的期限最长不超过{ANSWER_DAYS}个工作日。征求第三方和其他机关意见所需时间"
            f"不计算在答复期限内。",
            f"{you}可凭申请编号向本机关查询办理情况。",
        ],
        "特此告知。",
        request.received_on,
    )


def _correction(request, event, address):
    you = address.you
    what = event.note.strip() or (
        "【请写明需要补正的事项，如所需政府信息的名称、文号或者便于本机关查询的其他特征性描述】"
    )
    return (
        [
            application_sentence(request, you),
            f"经审查，{you}的申请内容不明确，本机关无法确定{you}所需要的政府信息。"
            f"根据{REGULATION}第二十九条第二款、第三十条的规定，请{you}自收到本通知之日起"
            f"{event.period_days}个工作日内对申请作出补正：{what.rstrip('。')}。",
            f"答复期限自本机关收到补正的申请之日起计算。{you}无正当理由逾期不补正的，"
            f"视为放弃申请，本机关不再处理该政府信息公开申请。",
            remedy(request.agency, you, "通知", "通知书"),
        ],
        "特此通知。",
        event.on,
    )


def _extension(request, event, address):
    you = address.you
    reason = (
        event.note.strip()
        or "【请写明延长答复期限的理由，如申请公开的信息量较大、需检索的档案较多】"
    )
    deadline = request_deadline(request)
    if deadline.due_on is None:
        due = "【答复期限：申请等待补正或缴费，请核对】"
    elif deadline.provisional:
        due = (
            f"{format_date(deadline.due_on)}"
            "【暂定：该日期跨入尚未录入工作日历的年度，录入后请重新生成或核对】"
        )
    else:
        due = format_date(deadline.due_on)
    return (
        [
            application_sentence(request, you),
            f"因{reason.rstrip('。')}，本机关不能在{ANSWER_DAYS}个工作日内作出答复。"
            f"根据{REGULATION}第三十三条第二款的规定，经本机关政府信息公开工作机构负责人同意，"
            f"答复期限延长{event.period_days}个工作日，本机关将于{due}前作出答复。",
            remedy(request.agency, you, "告知", "告知书"),
        ],
        "特此告知。",
        event.notified_on or event.on,
    )


def _fee(request, event, address):
    you = address.you
    if event.fee_basis == FeeBasis.PER_PAGE:
        counted = f"按量计收，{you}申请的政府信息共{event.fee_quantity}页"
    else:
        earlier = event.fee_earlier_pieces or 0
        counted = (
            f"按件计收，本申请计{event.fee_quantity}件，{you}本月此前已向本机关提出{earlier}件申请"
        )
    return (
        [
            application_sentence(request, you),
            f"根据{FEE_RULES}的规定，{you}的申请需要缴纳信息处理费：{counted}，"
            f"应缴纳信息处理费{event.amount}元。",
            f"请{you}自收到本通知次日起{FEE_PAYMENT_DAYS}个工作日内缴纳"
            f"（缴费方式：【请写明缴费账户或缴费方式】）。{you}逾期未缴纳的，视为放弃申请，"
            f"本机关不再处理该政府信息公开申请。自发出本通知之日至{you}缴纳费用之日的期间，"
            f"不计算在答复期限内。",
            remedy(request.agency, you, "通知", "通知书"),
        ],
        "特此通知。",
        event.on,
    )


def _consultation(request, event, address):
    # To a third party: the applicant is never named here, only what was asked for.
    you = address.you
    subject = request.subject.strip()
    asked = f"，申请公开{quoted(subject)}" if subject else ""
    return (
        [
            f"本机关于{format_date(request.received_on)}收到一份政府信息公开申请{asked}。"
            f"经审查，该申请所涉政府信息可能涉及{you}的商业秘密、个人隐私，公开后可能损害"
            f"{you}的合法权益。",
            f"根据{REGULATION}第三十二条的规定，现书面征求{you}的意见。请{you}自收到本函之日起"
            f"{CONSULTATION_DAYS}个工作日内，就是否同意公开上述信息提出书面意见；不同意公开的，"
            f"请说明理由。",
            f"{you}逾期未提出意见的，由本机关依照{REGULATION}的规定决定是否公开。{you}不同意公开"
            f"且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，"
            f"可以决定予以公开，并将决定公开的政府信息内容和理由书面告知{you}。",
        ],
        "特此函告。",
        event.on,
    )


def _decision(request, event, address):
    paragraphs = decision_paragraphs(request, address)
    paragraphs.append(remedy(request.agency, address.you, "答复", "答复书"))
    return paragraphs, "特此告知。", request.decided_on


WRITERS = {
    LetterKind.RECEIPT: _receipt,
    LetterKind.CORRECTION: _correction,
    LetterKind.EXTENSION: _extension,
    LetterKind.FEE: _fee,
    LetterKind.CONSULTATION: _consultation,
    LetterKind.DECISION: _decision,
}
