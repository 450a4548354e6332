"""The phrases every letter shares: the form of address (你 for a person, 你单位 for an
organisation, throughout one letter), the sentence about the application, the remedies paragraph
with the agency's review body and court, the contact line, the date in Chinese numerals as
official documents sign it, and the punctuation tidy-up of quoted text."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from disclosure.clock.calendar import format_date
from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import ApplicantType, Channel
from disclosure.records.models import Agency

# What a clerk must still write in a draft; a letter holding one cannot be issued.
PLACEHOLDER = re.compile(r"【[^】]*】")

CHANNEL_PHRASES = {
    Channel.IN_PERSON: "当面提交的",
    Channel.POST: "以邮寄方式提出的",
    Channel.ONLINE: "通过互联网提出的",
    Channel.FAX: "以传真方式提出的",
    Channel.OTHER: "提出的",
}
DEFAULT_REVIEW_BODY = "本机关的上一级行政机关"
DEFAULT_COURT = "有管辖权的人民法院"
# A third party named in a consultation is an organisation when its name ends like one (or is
# longer than a Chinese personal name, at most four characters).
ORGANISATION_ENDINGS = (
    "公司", "集团", "中心", "研究院", "研究所", "学院", "大学", "学校", "医院", "协会", "学会",
    "基金会", "商会", "事务所", "银行", "合作社", "委员会", "办公室", "政府", "单位",
)  # fmt: skip
ORGANISATION_LAST_CHARACTERS = "局厅厂院所社站队处店馆"


def looks_like_organisation(name: str) -> bool:
    return (
        len(name) > 4
        or name.endswith(ORGANISATION_ENDINGS)
        or (len(name) >= 3 and name[-1] in ORGANISATION_LAST_CHARACTERS)
    )


@dataclass(frozen=True)
class Address:
    """How a letter addresses its reader: ``you`` in the text, ``name`` at the top."""

    name: str
    organisation: bool

    @property
    def you(self) -> str:
        return "你单位" if self.organisation else "你"

    @classmethod
    def applicant(cls, request: DisclosureRequest) -> Address:
        organisation = request.applicant_type != ApplicantType.NATURAL_PERSON
        return cls(request.applicant_name.strip() or "申请人", organisation)

    @classmethod
    def named(cls, name: str) -> Address:
        """A third party known only by name: an organisation if the name says so."""
        name = name.strip()
        return cls(name or "【第三方名称】", not name or looks_like_organisation(name))


def chinese_date(day: datetime.date) -> str:
    """二〇二六年十一月二十九日: the date under the signature, in Chinese numerals."""
    digits = "〇一二三四五六七八九"
    year = "".join(digits[int(c)] for c in str(day.year))
    return f"{year}年{_chinese_number(day.month)}月{_chinese_number(day.day)}日"


def _chinese_number(n: int) -> str:
    """1–31 as written in dates: 十, 十一, 二十, 二十九, 三十一."""
    digits = "〇一二三四五六七八九"
    tens, units = divmod(n, 10)
    if tens == 0:
        return digits[units]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")


def quoted(text: str) -> str:
    """Text put between “ ” inside a sentence: without the full stop it may end with, so that
    the sentence's own 。 follows the closing quote ("…验收报告”。", never "…验收报告。”。")."""
    text = " ".join(text.split())
    return "“" + text.rstrip("。．.；;，,、 ") + "”"


def tidy(text: str) -> str:
    """Doubled punctuation a generated sentence may end up with."""
    text = re.sub(r"[。．.]([”’」』])。", r"\1。", text)
    text = re.sub(r"[，,；;。]+。", "。", text)
    return text


def application_sentence(request: DisclosureRequest, you: str) -> str:
    """When and how the application came in, its number, and what it asked for."""
    subject = request.subject.strip()
    channel = CHANNEL_PHRASES.get(request.channel, "提出的")
    sentence = (
        f"本机关于{format_date(request.received_on)}收到{you}{channel}政府信息公开申请"
        f"（申请编号：{request.number}）"
    )
    return sentence + (f"，申请内容为{quoted(subject)}。" if subject else "。")


def review_body(agency: Agency) -> str:
    if agency.review_body.strip():
        return agency.review_body.strip()
    if agency.parent_id:
        return agency.parent.name
    return DEFAULT_REVIEW_BODY


def court(agency: Agency) -> str:
    return agency.court.strip() or DEFAULT_COURT


def remedy(agency: Agency, you: str, act: str, document: str) -> str:
    """The remedies paragraph (行政复议法第二十条: sixty days; 行政诉讼法第四十六条: six
    months), naming the agency's review body and court: "如对本答复不服，可以自收到本答复书
    之日起……"."""
    return (
        f"{you}如对本{act}不服，可以自收到本{document}之日起六十日内向{review_body(agency)}"
        f"申请行政复议，或者自收到本{document}之日起六个月内向{court(agency)}提起行政诉讼。"
    )


def contact(agency: Agency) -> str:
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
