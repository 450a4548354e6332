"""The decision letter (政府信息公开申请答复书): one per outcome, with its legal ground
(``grounds``), the withheld parts with their grounds and reasons, filled from the request and
its events."""

from __future__ import annotations

from disclosure.clock.calendar import format_date
from disclosure.clock.kinds import RequestEventKind
from disclosure.clock.selectors import request_deadline
from disclosure.clock.statute import FEE_PAYMENT_DAYS
from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import Outcome

from .grounds import GROUNDS, NEEDS_PARTS, Ground
from .wording import Address, application_sentence, tidy

CHINESE_ORDINALS = "一二三四五六七八九十"


class NoLetter(Exception):
    """The record does not allow this letter (yet): no decision, no such event, no standard
    wording."""


def decision_ground(request: DisclosureRequest) -> Ground:
    """The outcome's ground; ``NoLetter`` without a decision or a standard letter."""
    if not request.outcome or not request.decided_on:
        raise NoLetter("该申请尚未填写办理结果和答复日期，还不能生成答复书。")
    ground = GROUNDS.get(request.outcome)
    if ground is None:
        raise NoLetter("“其他处理”没有统一的答复书格式，请另行制作。")
    return ground


def decision_paragraphs(request: DisclosureRequest, address: Address) -> list[str]:
    """The application, the handling the applicant was told of, the decision with its ground,
    and (部分公开, 不予公开) each withheld part with its ground and reason."""
    ground = decision_ground(request)
    you = address.you
    events = {e.kind: e for e in request.events.all()}
    decision = ground.decision.format(
        you=you,
        ground=ground.citation,
        regulation=ground.regulation,
        notice=_notice_text(request, events, you),
    )
    paragraphs = [
        application_sentence(request, you),
        *_handling_paragraphs(events, you),
        f"经审查，现答复如下：{decision}",
    ]
    parts = list(request.withheld_parts.all())
    if request.outcome in NEEDS_PARTS:
        if parts and request.outcome != Outcome.PARTIAL:
            paragraphs.append("具体如下：")
        paragraphs += [_part_paragraph(i, part, you) for i, part in enumerate(parts)]
        if not parts:
            paragraphs.append(
                "【请在申请页面“不予公开的部分”中逐项填写不予公开的内容、依据和理由，"
                "再重新生成本答复书】"
            )
    return [tidy(p) for p in paragraphs]


def _part_paragraph(index: int, part, you: str) -> str:
    ground = GROUNDS[part.ground]
    number = CHINESE_ORDINALS[index] if index < len(CHINESE_ORDINALS) else str(index + 1)
    reason = part.reason.strip()
    if reason and reason[-1] not in "。！？":
        reason += "。"
    conclusion = ground.part.format(you=you)
    return (
        f"（{number}）{part.description.strip().rstrip('。；;，,')}。{reason}"
        f"根据{ground.citation}的规定，{conclusion}。"
    )


def _handling_paragraphs(events: dict, you: str) -> list[str]:
    """The 补正 received (第三十条) and the extension the applicant was told of (第三十三条)."""
    paragraphs = []
    notice = events.get(RequestEventKind.CORRECTION_NOTICE)
    corrected = events.get(RequestEventKind.CORRECTION_RECEIVED)
    if notice and corrected:
        paragraphs.append(
            f"本机关于{format_date(notice.on)}告知{you}作出补正，"
            f"于{format_date(corrected.on)}收到补正后的申请。"
        )
    extension = events.get(RequestEventKind.EXTENSION)
    if extension and extension.notified_on:
        paragraphs.append(
            f"经本机关政府信息公开工作机构负责人同意，本机关已于{format_date(extension.notified_on)}"
            f"告知{you}延长答复期限{extension.period_days}个工作日。"
        )
    return paragraphs


def _notice_text(request: DisclosureRequest, events: dict, you: str) -> str:
    """For a request abandoned by not correcting or not paying: the notice the applicant let
    lapse, with its period; "" otherwise."""
    if request.outcome not in (Outcome.OTHER_NO_CORRECTION, Outcome.OTHER_UNPAID_FEE):
        return ""
    until = request_deadline(request, events=list(events.values())).waiting_until
    by = f"，期限至{format_date(until)}" if until else ""
    notice = events.get(RequestEventKind.CORRECTION_NOTICE)
    if request.outcome == Outcome.OTHER_NO_CORRECTION and notice:
        return (
            f"本机关于{format_date(notice.on)}向{you}发出补正通知，"
            f"请{you}在{notice.period_days}个工作日内补正{by}。"
        )
    fee = events.get(RequestEventKind.FEE_NOTICE)
    if request.outcome == Outcome.OTHER_UNPAID_FEE and fee:
        return (
            f"本机关于{format_date(fee.on)}向{you}发出收费通知，信息处理费{fee.amount}元"
            f"（{fee.get_fee_basis_display()}），缴费期限为收到通知次日起"
            f"{FEE_PAYMENT_DAYS}个工作日{by}。"
        )
    return ""
