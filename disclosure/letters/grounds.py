"""The legal ground of each outcome (and of each withheld part of a request): the article of the
条例 and what the agency decides, as the decision letter words it. ``{you}`` is the form of
address (你 / 你单位, ``wording.Address``), ``{ground}`` the full citation.

The mapping follows annual-report-format.md §2.5 (an interpretation: the national template prints
no articles). Used by the letters (``decision``) and by the withheld parts' choices (``models``).
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.records.choices import Outcome

REGULATION = "《中华人民共和国政府信息公开条例》"
FEE_RULES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


@dataclass(frozen=True)
class Ground:
    ground: str  # the article as printed, e.g. "第三十六条第（二）项"
    decision: str  # what the agency decides; {you}, {ground}, {regulation}, {notice}
    regulation: str = REGULATION
    part: str = ""  # for a withheld part: what the letter concludes about it

    @property
    def citation(self) -> str:
        return f"{self.regulation}{self.ground}" if self.ground else self.regulation


WITHHELD = "本机关决定不予公开。"
GROUNDS: dict[str, Ground] = {
    Outcome.GRANTED: Ground(
        "第三十六条第（二）项",
        "{you}申请获取的政府信息属于可以公开的政府信息。根据{ground}的规定，本机关决定予以公开，"
        "现将该政府信息提供给{you}（见附件）。",
    ),
    Outcome.PARTIAL: Ground(
        "第三十七条",
        "{you}申请获取的政府信息中含有不应当公开的内容，但能够作区分处理。根据{ground}的规定，"
        "本机关向{you}提供可以公开的内容（见附件），不予公开的内容及其依据和理由如下：",
    ),
    Outcome.WITHHELD_STATE_SECRET: Ground(
        "第十四条",
        "{you}申请获取的政府信息依法确定为国家秘密。根据{ground}的规定，" + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_LAW_PROHIBITS: Ground(
        "第十四条",
        "{you}申请获取的政府信息属于法律、行政法规禁止公开的政府信息。根据{ground}的规定，"
        + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_SECURITY_STABILITY: Ground(
        "第十四条",
        "{you}申请获取的政府信息公开后可能危及国家安全、公共安全、经济安全、社会稳定。"
        "根据{ground}的规定，" + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_THIRD_PARTY: Ground(
        "第十五条、第三十二条",
        "{you}申请获取的政府信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害，"
        "且第三方不同意公开。根据{ground}的规定，" + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_INTERNAL_AFFAIRS: Ground(
        "第十六条第一款",
        "{you}申请获取的政府信息属于行政机关的内部事务信息（人事管理、后勤管理、内部工作流程等"
        "方面的信息）。根据{ground}的规定，" + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_PROCESS_INFO: Ground(
        "第十六条第二款",
        "{you}申请获取的政府信息属于行政机关在履行行政管理职能过程中形成的讨论记录、过程稿、"
        "磋商信函、请示报告等过程性信息。根据{ground}的规定，" + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_ENFORCEMENT_FILE: Ground(
        "第十六条第二款",
        "{you}申请获取的政府信息属于行政执法案卷信息。根据{ground}的规定，" + WITHHELD,
        part="不予公开",
    ),
    Outcome.WITHHELD_QUERY_MATTER: Ground(
        "第三十六条第（七）项",
        "{you}申请获取的信息属于有关法律、行政法规对信息的获取有特别规定的查询事项。"
        "根据{ground}的规定，请{you}依照有关法律、行政法规的规定办理。",
        part="请{you}依照有关法律、行政法规的规定办理",
    ),
    Outcome.UNAVAILABLE_NOT_HELD: Ground(
        "第三十六条第（四）项",
        "经检索，本机关没有{you}所申请公开的政府信息。根据{ground}的规定，"
        "现告知{you}该政府信息不存在。",
        part="告知{you}该部分政府信息不存在",
    ),
    Outcome.UNAVAILABLE_NEEDS_CREATION: Ground(
        "第三十八条",
        "本机关没有现成的{you}所申请的信息，提供该信息需要对现有政府信息进行加工、分析。"
        "根据{ground}的规定，本机关不予提供。",
        part="该部分不予提供",
    ),
    Outcome.UNAVAILABLE_STILL_UNCLEAR: Ground(
        "第三十条",
        "{you}补正后的申请内容仍不明确，本机关无法确定{you}所需要的政府信息。根据{ground}的规定，"
        "本机关无法向{you}提供。{you}可以在明确所需政府信息的名称、文号或者其他特征性描述后"
        "重新申请。",
    ),
    Outcome.REJECTED_PETITION: Ground(
        "第三十九条第一款",
        "{you}以政府信息公开申请的形式提出的是信访、投诉、举报等事项。根据{ground}的规定，"
        "本机关不作为政府信息公开申请处理，{you}可以通过信访、投诉、举报等相应渠道提出。",
    ),
    Outcome.REJECTED_DUPLICATE: Ground(
        "第三十六条第（六）项",
        "本机关已就{you}提出的同一政府信息公开申请作出答复，{you}再次申请公开相同的政府信息。"
        "根据{ground}的规定，本机关不予重复处理。",
    ),
    Outcome.REJECTED_PUBLICATION: Ground(
        "第三十九条第二款",
        "{you}申请获取的是政府公报、报刊、书籍等公开出版物。根据{ground}的规定，"
        "请{you}通过公开发行渠道获取。",
    ),
    Outcome.REJECTED_EXCESSIVE: Ground(
        "第三十五条",
        "{you}申请公开政府信息的数量、频次明显超过合理范围，本机关要求{you}说明理由，"
        "经审查理由不合理。根据{ground}的规定，本机关不予处理。",
    ),
    Outcome.REJECTED_CONFIRMATION: Ground(
        "",
        "{you}的申请系要求本机关确认或者重新出具{you}已获取的信息，不属于{regulation}所规定的"
        "政府信息公开申请，本机关不作为政府信息公开申请处理。",
    ),
    Outcome.OTHER_NO_CORRECTION: Ground(
        "第三十条",
        "{notice}{you}无正当理由逾期未补正。根据{ground}的规定，视为{you}放弃申请，"
        "本机关不再处理该政府信息公开申请。",
    ),
    Outcome.OTHER_UNPAID_FEE: Ground(
        "",
        "{notice}{you}逾期未缴纳信息处理费。根据{regulation}的规定，视为{you}放弃申请，"
        "本机关不再处理该政府信息公开申请。",
        regulation=FEE_RULES,
    ),
    # Outcome.OTHER (其他处理, e.g. a withdrawal) has no standard wording: no letter.
}

# The grounds a withheld or refused part of a request may rest on: those with a ``part``.
PART_GROUNDS: tuple[str, ...] = tuple(key for key, ground in GROUNDS.items() if ground.part)
PART_GROUND_CHOICES = [
    (key, f"{Outcome(key).label}（{GROUNDS[key].ground}）") for key in PART_GROUNDS
]
# Outcomes whose letter lists the withheld parts, each with its ground and reason (第三十六条
# 第（三）项: 不予公开的，说明理由): a draft without them cannot be issued.
NEEDS_PARTS = tuple(
    o for o in (Outcome.PARTIAL, *Outcome.WITHHELD) if o != Outcome.WITHHELD_QUERY_MATTER
)
