"""Ledger import and export in the admin, through django-import-export: its upload → preview →
confirm flow, forms and export views, with the rows checked and stored by ``disclosure.ledger``
(the same code as the ``import_requests`` / ``import_cases`` commands, so the admin and the
command accept and refuse the same files, the admin within its smaller ``Limits``). The uploaded
file waits for the confirmation in ``ledger.pending``, tied to the clerk's session."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.results import Error, InvalidRow, RowResult
from import_export.tmp_storages import BaseStorage

from disclosure import ledger
from disclosure.access import user_agencies
from disclosure.audit.models import AccessEvent
from disclosure.audit.services import audit_record
from disclosure.ledger import pending
from disclosure.ledger.formats import LedgerCSV, LedgerFile, TextXLSX
from disclosure.records.models import Agency

PREVIEW_ROWS = 1000  # the preview table shows this many rows; the totals count them all


# ---------------------------------------------------------------------------------------------
# Resources: the contract's columns, from ``ledger``


class CellWidget(widgets.Widget):
    def __init__(self, ledger_: ledger.Ledger, column: ledger.Column):
        super().__init__()
        self.ledger, self.column = ledger_, column

    def render(self, value, obj=None, **kwargs):
        return ledger.format_value(self.ledger, self.column, value)


class LedgerResource(resources.ModelResource):
    """Exports the contract's columns (Chinese headers, labels for choices); imports through
    ``ledger``. ``agency`` and ``update`` come from the admin's import form."""

    ledger: ledger.Ledger

    def __init__(self, agency: Agency | None = None, update: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.agency, self.update = agency, update

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        result = self.get_result_class()()
        result.diff_headers = [c.header for c in self.ledger.columns]
        table = ledger.Table(headers=list(dataset.headers or []), rows=[list(r) for r in dataset])
        result.total_rows = len(table.rows)
        options = {
            "agency": self.agency,
            "table": table,
            "update": self.update,
            "update_hint": "如要更新已有记录，请勾选“更新已有编号的记录”",
        }
        try:
            if dry_run:
                plan = ledger.plan_import(self.ledger, **options)
            else:
                name = kwargs.get("file_name") or ""
                plan = ledger.import_table(
                    self.ledger, user=kwargs.get("user"), reason=f"后台导入 {name}"[:100], **options
                )
        except ledger.LedgerFileError as exc:
            result.append_base_error(Error(exc))
            return result
        self._add_problems(result, table, plan)
        self._add_rows(result, plan)
        return result

    def _add_problems(self, result, table, plan):
        """Problems as the preview's invalid rows, keyed by the Chinese header of the column."""
        positions = {}
        for i, raw in enumerate(table.headers):
            column = ledger.match_header(self.ledger, raw) if raw is not None else None
            if column and column.key not in positions:
                positions[column.key] = i
        headers = {c.key: c.header for c in self.ledger.columns}
        by_row = defaultdict(lambda: defaultdict(list))
        for p in plan.problems:
            by_row[p.row][headers.get(p.column, p.column)].append(p.message)
        result.problem_rows = len(by_row)  # all of them; the page lists the first PREVIEW_ROWS
        for row, errors in list(by_row.items())[:PREVIEW_ROWS]:
            cells = table.rows[row - 2] if row >= 2 else table.headers
            values = tuple(
                cells[positions[c.key]]
                if c.key in positions and positions[c.key] < len(cells)
                else ""
                for c in self.ledger.columns
            )
            invalid = ValidationError(dict(errors))
            result.invalid_rows.append(
                InvalidRow(number=row, validation_error=invalid, values=values)
            )
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1

    def _add_rows(self, result, plan):
        types = {
            ledger.CREATE: RowResult.IMPORT_TYPE_NEW,
            ledger.UPDATE: RowResult.IMPORT_TYPE_UPDATE,
            ledger.UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
        }
        for r in plan.rows:
            result.totals[types[r.action]] += 1
        shown = plan.rows[:PREVIEW_ROWS]
        related = self._related_texts(shown)
        for r in shown:
            row_result = self.get_row_result_class()()
            row_result.import_type = types[r.action]
            row_result.object_id = r.pk
            row_result.diff = [self._diff_cell(c, r, related) for c in self.ledger.columns]
            result.append_row_result(row_result)

    def _related_texts(self, rows) -> dict[tuple[str, int], str]:
        """(column key, pk) → the text the file writes (a case's request number), in one query
        per foreign-key column."""
        texts = {}
        for c in self.ledger.columns:
            if not c.related_attribute:
                continue
            attname = self.ledger.model_field(c).attname
            pks = {v for r in rows for v in (r.values.get(attname), (r.before or {}).get(attname))}
            model = self.ledger.model_field(c).related_model
            found = model._default_manager.filter(pk__in=pks - {None})
            for pk, text in found.values_list("pk", c.related_attribute):
                texts[(c.key, pk)] = text
        return texts

    def _diff_cell(self, column, row, related):
        """The cell as it will be stored; for an update, the old value struck through."""
        model_field = self.ledger.model_field(column)

        def text(value):
            if column.related_attribute:
                return related.get((column.key, value), "")
            return ledger.format_value(self.ledger, column, value)

        old = text(row.before[model_field.attname]) if row.before else None
        if model_field.attname in row.values:
            new = text(row.values[model_field.attname])
        else:  # column not in the file: kept, or the default for a new record
            new = old if old is not None else text(model_field.get_default())
        if old is None or old == new:
            return new
        return format_html(
            '<del class="ledger-old">{}</del> <ins class="ledger-new">{}</ins>',
            old,
            new,
        )


def _resource_class(ledger_: ledger.Ledger) -> type[LedgerResource]:
    keys = tuple(c.key for c in ledger_.columns)
    attrs = {
        c.key: fields.Field(attribute=c.field, column_name=c.header, widget=CellWidget(ledger_, c))
        for c in ledger_.columns
    }
    attrs["ledger"] = ledger_
    attrs["Meta"] = type("Meta", (), {"model": ledger_.model, "fields": keys, "export_order": keys})
    return type(f"{ledger_.model.__name__}LedgerResource", (LedgerResource,), attrs)


RequestResource = _resource_class(ledger.REQUESTS)
CaseResource = _resource_class(ledger.CASES)


# ---------------------------------------------------------------------------------------------
# Admin


class PendingStorage(BaseStorage):
    """import-export's storage of the upload between preview and confirmation: a private file
    under a random token (``ledger.pending``), never a path, never the shared temp folder."""

    def save(self, data):
        self.name = pending.save(data)

    def read(self):
        data = pending.read(self.name)
        if data is None:
            raise ledger.LedgerFileError("上传的文件已过期或已删除，请重新上传。")
        return data

    def remove(self):
        pending.delete(self.name)


class LedgerImportForm(ImportForm):
    agency = forms.ModelChoiceField(label="导入到机关", queryset=Agency.objects.none())
    update = forms.BooleanField(
        label="更新已有编号的记录",
        required=False,
        help_text="重新导入修正后的台账时勾选：编号已存在的行更新该记录；不勾选时编号重复是错误。",
    )
    field_order = ["resource", "agency", "import_file", "format", "update"]

    def clean_import_file(self):
        """Too large a file is refused before it is stored or read."""
        upload = self.cleaned_data["import_file"]
        limits = ledger.Limits.admin()
        if upload.size > limits.max_bytes:
            raise ValidationError(limits.too_large(upload.size))
        return upload


class LedgerConfirmForm(ConfirmImportForm):
    """The confirmation: agency, options and file name are the preview's, as the session keeps
    them (``pending.claim``); the client only says which of its pending imports to store."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), widget=forms.HiddenInput)
    update = forms.BooleanField(required=False, widget=forms.HiddenInput)
    previewed: dict | None = None  # the session's details of the pending import

    def clean(self):
        data = super().clean()
        if self.previewed is None:
            return data
        agency = data.get("agency")
        if agency is not None and agency.pk != self.previewed["agency"]:
            raise ValidationError("导入到的机关与预览时的不同，未保存任何记录：请重新上传文件。")
        data["update"] = self.previewed["update"]
        data["original_file_name"] = self.previewed["name"]
        return data


class LedgerAdminMixin(ImportExportMixin):
    """Import and export of a ledger for an agency-scoped admin; set ``resource_classes``."""

    import_formats = [LedgerFile]

    def get_valid_export_item_pks(self, request):
        # import-export's default lists every id in the table, which tells another agency's
        # ids from missing ones; only the user's own records can be exported.
        return self.get_queryset(request).values_list("pk", flat=True)

    export_formats = [LedgerCSV, TextXLSX]
    import_form_class = LedgerImportForm
    confirm_form_class = LedgerConfirmForm
    export_form_class = ExportForm  # always the contract's full column set
    import_template_name = "disclosure/admin/ledger_import.html"
    export_template_name = "disclosure/admin/ledger_export.html"
    to_encoding = "utf-8-sig"  # Excel opens a CSV with Chinese text correctly only with a BOM
    # The history rows (with the user and the file name) are the audit trail of an import.
    skip_admin_log = True
    tmp_storage_class = PendingStorage

    def _agencies(self, request):
        return user_agencies(request.user)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        # A ledger holds applicants' data: each export is recorded (docs/audit.md).
        agencies = self._agencies(request)
        audit_record(
            request=request,
            action=AccessEvent.Action.LEDGER_EXPORT,
            agency=agencies[0] if len(agencies) == 1 else None,
            detail=f"{self.get_export_resource_classes(request)[0].ledger.name} "
            f"{file_format.get_extension()} {queryset.count()} 条",
        )
        return data

    def _import_url(self):
        return reverse("admin:{}_{}_import".format(*self.get_model_info()))

    def get_urls(self):
        name = "{}_{}_import_cancel".format(*self.get_model_info())
        cancel = path("import/cancel/", self.admin_site.admin_view(self.import_cancel), name=name)
        return [cancel, *super().get_urls()]

    def write_to_tmp_storage(self, import_file, input_format):
        # import-export concatenates the chunks one by one (quadratic in the file's size).
        storage = PendingStorage()
        storage.save(b"".join(import_file.chunks()))
        return storage

    def import_action(self, request, **kwargs):
        """The upload and its preview. Every preview first deletes the files that others left
        waiting too long; a file whose preview found a problem is deleted at once (only a
        file the clerk can confirm is kept)."""
        pending.purge()
        try:
            return super().import_action(request, **kwargs)
        finally:
            token = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
            if token and token not in request.session.get(pending.SESSION_KEY, {}):
                pending.delete(token)

    def process_import(self, request, **kwargs):
        """The confirmation: only of a pending import of this session, for what it previewed;
        the file is deleted whatever the outcome."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_import_permission(request):
            raise PermissionDenied
        pending.purge()
        token = request.POST.get("import_file_name", "")
        request.ledger_pending = pending.claim(request.session, token, model=self.model._meta.label)
        if request.ledger_pending is None:
            messages.error(
                request,
                "这次导入已过期、已完成或已取消，未保存任何记录：请重新上传文件。",
            )
            return HttpResponseRedirect(self._import_url())
        try:
            return super().process_import(request, **kwargs)
        except ledger.LedgerFileError as exc:
            messages.error(request, f"导入未完成，未保存任何记录：{exc}")
            return HttpResponseRedirect(self._import_url())
        finally:
            pending.delete(token)

    def import_cancel(self, request):
        """The preview's 取消 button: the pending file is deleted."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_import_permission(request):
            raise PermissionDenied
        token = request.POST.get("import_file_name", "")
        if pending.claim(request.session, token, model=self.model._meta.label) is not None:
            pending.delete(token)
        messages.info(request, "已取消导入，上传的文件已删除，未保存任何记录。")
        return HttpResponseRedirect(
            reverse("admin:{}_{}_changelist".format(*self.get_model_info()))
        )

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def create_import_form(self, request):
        form = super().create_import_form(request)
        agencies = self._agencies(request)
        form.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            form.fields["agency"].initial = agencies[0]
        return form

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        form.fields["agency"].queryset = self._agencies(request)
        form.previewed = getattr(request, "ledger_pending", None)
        return form

    def get_confirm_form_initial(self, request, import_form):
        """Called when the preview passed: the stored file joins the session's pending imports
        with what it was previewed for."""
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            agency, update = import_form.cleaned_data["agency"], import_form.cleaned_data["update"]
            initial["agency"], initial["update"] = agency.pk, update
            pending.remember(
                request.session,
                initial["import_file_name"],
                model=self.model._meta.label,
                agency=agency.pk,
                update=update,
                name=initial["original_file_name"],
            )
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        if form is not None and form.is_bound and form.is_valid():
            return {"agency": form.cleaned_data["agency"], "update": form.cleaned_data["update"]}
        return {}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ledger.LedgerFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The records changed between the preview and the confirmation: nothing was stored.
            messages.error(
                request,
                "导入未完成，未保存任何记录：预览之后数据已有变化，请重新上传文件并检查预览。",
            )
            return HttpResponseRedirect(self._import_url())
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        totals = result.totals
        messages.success(
            request,
            f"导入完成：新建 {totals[RowResult.IMPORT_TYPE_NEW]} 条，"
            f"更新 {totals[RowResult.IMPORT_TYPE_UPDATE]} 条，"
            f"未改动 {totals[RowResult.IMPORT_TYPE_SKIP]} 条。",
        )

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        resource = self.get_import_resource_classes(None)[0]
        context["ledger_columns"] = [
            (c, resource.ledger.is_required(c), resource.ledger.model_field(c).choices)
            for c in resource.ledger.columns
        ]
        context["preview_rows"] = PREVIEW_ROWS
        context["pending_minutes"] = settings.LEDGER_PENDING_MINUTES
        context["limits"] = ledger.Limits.admin()
        return context

    def get_export_filename(self, request, queryset, file_format):
        # ASCII: a Chinese name in Content-Disposition reaches browsers MIME-encoded, garbled.
        name = self.get_export_resource_classes(request)[0].ledger.name
        return f"{name}-{datetime.date.today().isoformat()}.{file_format.get_extension()}"
