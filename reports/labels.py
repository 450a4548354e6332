"""The printed labels of the annual report, in the one place they live.

Base labels of outcomes, applicant types and case results are the ``TextChoices`` of
``disclosure.models`` (the interchange contract's labels); this module adds what the two national
templates print around them: the numbering ("（一）", "1."), the group rows, the table headers, the
section headings. Sources: ../shared/docs/annual-report-format.md §1 (2019 trial format,
国办公开办函〔2019〕60号) and §2 (2021 format, 国办公开办函〔2021〕30号).
"""

from __future__ import annotations

from typing import NamedTuple

from disclosure.models import ApplicantType, CaseKind, CaseResult, Outcome

TEMPLATE_2019 = "2019"
TEMPLATE_2021 = "2021"
TEMPLATE_NAMES = {
    TEMPLATE_2019: "2019年试行格式（国办公开办函〔2019〕60号）",
    TEMPLATE_2021: "2021年格式（国办公开办函〔2021〕30号）",
}


def default_template(year: int) -> str:
    """2020 and earlier use the trial format; 30号 applies from the 2021 reports on."""
    return TEMPLATE_2019 if year <= 2020 else TEMPLATE_2021


def report_title(agency_name: str, year: int) -> str:
    return f"{agency_name}{year}年政府信息公开工作年度报告"


SECTION_OVERVIEW = "一、总体情况"
SECTION_PROACTIVE = "二、主动公开政府信息情况"
SECTION_REQUESTS = "三、收到和处理政府信息公开申请情况"
SECTION_CASES = "四、政府信息公开行政复议、行政诉讼情况"
SECTION_PROBLEMS = "五、存在的主要问题及改进情况"
SECTION_OTHER = "六、其他需要报告的事项"

# 30号 lists the topics of 一、总体情况; the pre-filled narrative uses them as sub-headings.
OVERVIEW_TOPICS = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")
CHINESE_NUMERALS = "一二三四五六七八九十"


def numbered(n: int) -> str:
    """1 → "（一）"."""
    return f"（{CHINESE_NUMERALS[n - 1]}）"


# --- Table 二 主动公开政府信息情况 ---------------------------------------------------------


class Table2Block(NamedTuple):
    caption: str  # the full-width caption row, e.g. 第二十条第（一）项
    headers: tuple[str, ...]  # 信息内容 + the value columns
    fields: tuple[str, ...]  # JSON keys of the value columns, in printed order
    rows: tuple[tuple[str, str], ...]  # (JSON key, printed row label)


_ITEM = "信息内容"
_PREV_CHANGE = ("上一年项目数量", "本年增/减")
_DECISIONS_2021 = "本年处理决定数量"

TABLE2_BLOCKS = {
    TEMPLATE_2019: (
        Table2Block(
            "第二十条第（一）项",
            (_ITEM, "本年新制作数量", "本年新公开数量", "对外公开总数量"),
            ("made", "published", "total_public"),
            (("regulations", "规章"), ("normative_documents", "规范性文件")),
        ),
        Table2Block(
            "第二十条第（五）项",
            (_ITEM, *_PREV_CHANGE, "处理决定数量"),
            ("previous", "change", "decisions"),
            (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
        ),
        Table2Block(
            "第二十条第（六）项",
            (_ITEM, *_PREV_CHANGE, "处理决定数量"),
            ("previous", "change", "decisions"),
            (("penalty", "行政处罚"), ("coercion", "行政强制")),
        ),
        Table2Block(
            "第二十条第（八）项",
            (_ITEM, *_PREV_CHANGE),
            ("previous", "change"),
            (("fees", "行政事业性收费"),),
        ),
        Table2Block(
            "第二十条第（九）项",
            (_ITEM, "采购项目数量", "采购总金额"),
            ("projects", "amount_wan_yuan"),
            (("procurement", "政府集中采购"),),
        ),
    ),
    TEMPLATE_2021: (
        Table2Block(
            "第二十条第（一）项",
            (_ITEM, "本年制发件数", "本年废止件数", "现行有效件数"),
            ("issued", "repealed", "in_force"),
            (("regulations", "规章"), ("normative_documents", "行政规范性文件")),
        ),
        Table2Block(
            "第二十条第（五）项",
            (_ITEM, _DECISIONS_2021),
            ("decisions",),
            (("licensing", "行政许可"),),
        ),
        Table2Block(
            "第二十条第（六）项",
            (_ITEM, _DECISIONS_2021),
            ("decisions",),
            (("penalty", "行政处罚"), ("coercion", "行政强制")),
        ),
        Table2Block(
            "第二十条第（八）项",
            (_ITEM, "本年收费金额（单位：万元）"),
            ("amount_wan_yuan",),
            (("fees", "行政事业性收费"),),
        ),
    ),
}
# Money fields are decimal strings in JSON; the 2019 format prints no unit in its header, so the
# unit goes into the cell as in the seed ("3749.71 万元").
MONEY_FIELDS = frozenset({"amount_wan_yuan"})
TABLE2_FIELD_LABELS = {
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "total_public": "对外公开总数量",
    "previous": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "projects": "采购项目数量",
    "amount_wan_yuan": "金额（万元）",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
}

# --- Table 三 收到和处理政府信息公开申请情况 -------------------------------------------------

TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE3_APPLICANTS = "申请人情况"
TABLE3_LEGAL_PERSONS = "法人或其他组织"
TABLE3_TOTAL_COLUMN = "总计"
TABLE3_RESULTS = "三、本年度办理结果"

COLUMN_TOTAL = "total"
TABLE3_COLUMNS = (*ApplicantType.values, COLUMN_TOTAL)
TABLE3_COLUMN_LABELS = {**dict(ApplicantType.choices), COLUMN_TOTAL: TABLE3_TOTAL_COLUMN}

ROW_RECEIVED = "received"
ROW_CARRIED_OVER = "carried_over"
ROW_TOTAL = "total"
ROW_CARRIED_FORWARD = "carried_forward"
TOP_ROW_LABELS = {
    ROW_RECEIVED: "一、本年新收政府信息公开申请数量",
    ROW_CARRIED_OVER: "二、上年结转政府信息公开申请数量",
    ROW_TOTAL: "（七）总计",
    ROW_CARRIED_FORWARD: "四、结转下年度继续办理",
}
ROW_SHORT_NAMES = {  # how a check message names a row
    ROW_RECEIVED: "一",
    ROW_CARRIED_OVER: "二",
    ROW_TOTAL: "三（七）",
    ROW_CARRIED_FORWARD: "四",
}


class ResultGroup(NamedTuple):
    """One of （一）…（六） of 三、本年度办理结果: one row, or a group with numbered sub-rows."""

    label: str
    rows: tuple[tuple[str, str], ...]  # (row key = outcome key, printed label)

    @property
    def is_single(self) -> bool:
        return len(self.rows) == 1 and self.rows[0][1] == self.label


def _sub_rows(keys, labels=None) -> tuple[tuple[str, str], ...]:
    labels = labels or [Outcome(k).label for k in keys]
    pairs = zip(keys, labels, strict=True)
    return tuple((k, f"{i}.{label}") for i, (k, label) in enumerate(pairs, start=1))


_GRANTED = f"（一）{Outcome.GRANTED.label}"
_PARTIAL = f"（二）{Outcome.PARTIAL.label}（区分处理的，只计这一情形，不计其他情形）"
_OTHER_2019 = f"（六）{Outcome.OTHER.label}"
_COMMON_GROUPS = (
    ResultGroup(_GRANTED, ((Outcome.GRANTED.value, _GRANTED),)),
    ResultGroup(_PARTIAL, ((Outcome.PARTIAL.value, _PARTIAL),)),
    ResultGroup("（三）不予公开", _sub_rows(Outcome.WITHHELD)),
    ResultGroup("（四）无法提供", _sub_rows(Outcome.UNAVAILABLE)),
    ResultGroup("（五）不予处理", _sub_rows(Outcome.REJECTED)),
)
RESULT_GROUPS = {
    TEMPLATE_2019: (
        *_COMMON_GROUPS,
        ResultGroup(_OTHER_2019, ((Outcome.OTHER.value, _OTHER_2019),)),
    ),
    TEMPLATE_2021: (
        *_COMMON_GROUPS,
        # 30号 prints "3.其他" for the catch-all; the contract's key stays `other`.
        ResultGroup(
            "（六）其他处理",
            _sub_rows(
                Outcome.OTHERS,
                [Outcome.OTHER_NO_CORRECTION.label, Outcome.OTHER_UNPAID_FEE.label, "其他"],
            ),
        ),
    ),
}


def table3_rows(template: str) -> tuple[tuple[str, str], ...]:
    """(key, printed label) of every row of table 三, in printed order (23 or 25 rows)."""
    outcome_rows = tuple(row for group in RESULT_GROUPS[template] for row in group.rows)
    return (
        (ROW_RECEIVED, TOP_ROW_LABELS[ROW_RECEIVED]),
        (ROW_CARRIED_OVER, TOP_ROW_LABELS[ROW_CARRIED_OVER]),
        *outcome_rows,
        (ROW_TOTAL, TOP_ROW_LABELS[ROW_TOTAL]),
        (ROW_CARRIED_FORWARD, TOP_ROW_LABELS[ROW_CARRIED_FORWARD]),
    )


def outcome_row_keys(template: str) -> tuple[str, ...]:
    return tuple(key for group in RESULT_GROUPS[template] for key, _label in group.rows)


def row_name(template: str, key: str) -> str:
    """How a message names a row: "一", "（三）1.属于国家秘密", "三（七）"."""
    if key in ROW_SHORT_NAMES:
        return ROW_SHORT_NAMES[key]
    for group in RESULT_GROUPS[template]:
        for row_key, label in group.rows:
            if row_key == key:
                return label if group.is_single else f"{group.label[:3]}{label}"
    raise KeyError(key)


# --- Table 四 政府信息公开行政复议、行政诉讼情况 ----------------------------------------------

TABLE4_REVIEW = CaseKind.REVIEW.label  # 行政复议
TABLE4_LITIGATION = "行政诉讼"
TABLE4_ROWS = tuple(CaseKind.values)  # review, litigation_direct, litigation_after_review
TABLE4_ROW_LABELS = dict(CaseKind.choices)
RESULT_PENDING = "pending"
TABLE4_COLUMNS = (*CaseResult.values, RESULT_PENDING, COLUMN_TOTAL)
TABLE4_COLUMN_LABELS = {
    **dict(CaseResult.choices),
    RESULT_PENDING: "尚未审结",
    COLUMN_TOTAL: "总计",
}
TABLE4_NOTE = "注：行政复议、行政诉讼数量含上年度结转数量。"
