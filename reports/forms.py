"""Forms of the managers' report pages."""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError

from disclosure.records import numbering

from . import labels
from .data import FORMAT, table2_layout
from .models import Report, Template


class OpenReportForm(forms.Form):
    agency = forms.ModelChoiceField(label="机关", queryset=None, empty_label=None)
    year = forms.IntegerField(
        label="年度", min_value=numbering.YEAR_MIN, max_value=numbering.YEAR_MAX
    )
    template = forms.ChoiceField(
        label="报告格式",
        choices=[("", "按年度默认（2020年及以前为试行格式）"), *Template.choices],
        required=False,
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ["introduction", "overview", "problems", "other_matters"]
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 4}),
            "overview": forms.Textarea(attrs={"rows": 16}),
            "problems": forms.Textarea(attrs={"rows": 8}),
            "other_matters": forms.Textarea(attrs={"rows": 4}),
        }


class PublishForm(forms.Form):
    reason = forms.CharField(
        label="更正原因",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="已发布过本年度报告时必填：本次更正了什么、为什么。",
    )


# A report's tables in JSON are about 10 KB and 5 levels deep; the bounds leave ample room and
# are checked before parsing: Python's parser recurses per level (a 400 KB "[[[[…" would raise
# RecursionError) and the whole file is held in memory.
JSON_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 20
# A string (to its end if unterminated, so the scan never restarts inside it) or a bracket.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def json_depth_within(text: str, limit: int) -> bool:
    """Whether no array or object in ``text`` is nested deeper than ``limit`` (brackets inside
    strings do not count). One linear scan, without parsing: it runs before ``json.loads``."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        first = token.group()[0]
        if first in "[{":
            depth += 1
            if depth > limit:
                return False
        elif first in "]}":
            depth -= 1
    return True


class ImportTablesForm(forms.Form):
    file = forms.FileField(label="JSON文件", help_text=f"report_data 命令输出的格式（{FORMAT}）。")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > JSON_MAX_BYTES:
            raise ValidationError(
                f"文件超过 {JSON_MAX_BYTES // 1024} KB，不是 report_data 输出的表格数据。"
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(f"不是有效的UTF-8 JSON文件：{exc}") from None
        if not json_depth_within(text, JSON_MAX_DEPTH):
            raise ValidationError(
                f"JSON嵌套超过 {JSON_MAX_DEPTH} 层，不是 report_data 输出的表格数据。"
            )
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"不是有效的UTF-8 JSON文件：{exc}") from None
        except ValueError:  # Python refuses to read an integer of more than 4300 digits
            raise ValidationError("JSON文件中有位数过多的数字，不是有效的表格数据。") from None


class EnterTablesForm(forms.Form):
    """Every cell of tables 二, 三 and 四 of one template, as printed on the paper report
    (totals too: the checks compare them, as they would a compiled report's)."""

    def __init__(self, *args, template: str, initial_data: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        initial_data = initial_data or {}
        t2 = initial_data.get("table2", {})
        for key, fields in table2_layout(template):
            for field in fields:
                name = f"t2-{key}-{field}"
                value = t2.get(key, {}).get(field, 0)
                if field in labels.MONEY_FIELDS:
                    self.fields[name] = forms.DecimalField(
                        min_value=0, max_digits=14, decimal_places=4, initial=value
                    )
                else:
                    self.fields[name] = forms.IntegerField(
                        min_value=None if field == "change" else 0, initial=value
                    )
        t3 = {r["key"]: r["values"] for r in initial_data.get("table3", {}).get("rows", [])}
        for key, _label in labels.table3_rows(template):
            for i, column in enumerate(labels.TABLE3_COLUMNS):
                self.fields[f"t3-{key}-{column}"] = forms.IntegerField(
                    min_value=0, initial=t3.get(key, [0] * 7)[i]
                )
        t4 = {r["key"]: r["values"] for r in initial_data.get("table4", {}).get("rows", [])}
        for key in labels.TABLE4_ROWS:
            for i, column in enumerate(labels.TABLE4_COLUMNS):
                self.fields[f"t4-{key}-{column}"] = forms.IntegerField(
                    min_value=0, initial=t4.get(key, [0] * 5)[i]
                )
        for field in self.fields.values():
            field.widget.attrs.update({"class": "vIntegerField report-cell", "size": 5})

    def to_json(self, *, agency, year: int) -> dict:
        """The entered cells in the ``ogi-annual-report/1`` form."""
        c = self.cleaned_data
        return {
            "format": FORMAT,
            "agency": {"code": agency.code, "name": agency.name},
            "year": year,
            "template": self.template,
            "table2": {
                key: {
                    f: str(c[f"t2-{key}-{f}"]) if f in labels.MONEY_FIELDS else c[f"t2-{key}-{f}"]
                    for f in fields
                }
                for key, fields in table2_layout(self.template)
            },
            "table3": {
                "columns": list(labels.TABLE3_COLUMNS),
                "rows": [
                    {
                        "key": key,
                        "label": label,
                        "values": [c[f"t3-{key}-{col}"] for col in labels.TABLE3_COLUMNS],
                    }
                    for key, label in labels.table3_rows(self.template)
                ],
            },
            "table4": {
                "columns": list(labels.TABLE4_COLUMNS),
                "rows": [
                    {"key": key, "values": [c[f"t4-{key}-{col}"] for col in labels.TABLE4_COLUMNS]}
                    for key in labels.TABLE4_ROWS
                ],
            },
        }

    # Grids for the template: rows of (label, [bound fields]).
    def table2_grid(self):
        grid = []
        for block in labels.TABLE2_BLOCKS[self.template]:
            grid.append(
                (
                    block.caption,
                    block.headers,
                    [
                        (label, [self[f"t2-{key}-{f}"] for f in block.fields])
                        for key, label in block.rows
                    ],
                )
            )
        return grid

    def table3_grid(self):
        return [
            (
                labels.row_name(self.template, key) if key not in labels.TOP_ROW_LABELS else label,
                [self[f"t3-{key}-{col}"] for col in labels.TABLE3_COLUMNS],
            )
            for key, label in labels.table3_rows(self.template)
        ]

    def table4_grid(self):
        return [
            (
                labels.TABLE4_ROW_LABELS[key],
                [self[f"t4-{key}-{col}"] for col in labels.TABLE4_COLUMNS],
            )
            for key in labels.TABLE4_ROWS
        ]
