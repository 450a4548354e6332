import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from disclosure.models import Case, DisclosureRequest
from tests.factories import log_in

from .factories import (
    ledger_csv,
    ledger_xlsx,
    make_agency,
    make_clerk,
    make_manager,
    make_request,
    make_user,
)

HEADER = ["申请编号", "收到申请日期", "申请人类型", "申请人", "办理结果", "答复日期"]
IMPORT_URL = reverse("admin:disclosure_disclosurerequest_import")
CONFIRM_URL = reverse("admin:disclosure_disclosurerequest_process_import")


class AdminImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.other = make_agency("other", "别的机关")
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.manager = make_manager("manager", cls.agency)

    def upload(self, data, *, name="台账.csv", agency=None, update=False):
        payload = {
            "agency": (agency or self.agency).pk,
            "import_file": SimpleUploadedFile(name, data),
            "format": "0",
            "resource": "0",
        }
        if update:
            payload["update"] = "on"
        return self.client.post(IMPORT_URL, payload)

    def confirm(self, preview):
        form = preview.context["confirm_form"]
        self.assertIsNotNone(form, "the preview should offer the confirmation")
        data = {name: form.initial.get(name, "") for name in form.fields}
        data["update"] = "on" if form.initial.get("update") else ""
        return self.client.post(CONFIRM_URL, data)

    def test_it_previews_then_stores_on_confirmation(self):
        log_in(self.client, self.clerk)
        preview = self.upload(
            ledger_csv(
                [
                    HEADER,
                    ["2020-0001", "2020-03-02", "自然人", "张三", "予以公开", "2020-03-20"],
                    ["", "2020-04-01", "商业企业", "某公司", "", ""],
                ]
            )
        )
        self.assertEqual(preview.status_code, 200)
        self.assertContains(preview, "新建 2 条，更新 0 条，未改动 0 条")
        self.assertContains(preview, "2020-0002")  # the generated number, shown before saving
        self.assertContains(preview, "导入到：<strong>温州市机关事务管理局</strong>")
        self.assertEqual(DisclosureRequest.objects.count(), 0, "the preview stores nothing")

        done = self.confirm(preview)
        self.assertRedirects(done, reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertEqual(
            sorted(DisclosureRequest.objects.values_list("number", "agency__code")),
            [("2020-0001", "wz"), ("2020-0002", "wz")],
        )
        history = DisclosureRequest.history.all()
        self.assertEqual({h.history_user for h in history}, {self.clerk})
        self.assertEqual({h.history_change_reason for h in history}, {"后台导入 台账.csv"})

    def test_it_shows_the_row_errors_and_stores_nothing(self):
        log_in(self.client, self.clerk)
        response = self.upload(
            ledger_csv(
                [
                    HEADER,
                    ["A-1", "2020-03-02", "自然人", "", "予以公开", "2020-03-01"],
                    ["A-2", "2020-03-02", "法人", "", "", ""],
                ]
            )
        )
        self.assertContains(response, "发现问题，未保存任何记录")
        self.assertContains(response, "2 行有问题")
        self.assertContains(response, "答复日期不能早于收到申请日期。")
        self.assertContains(response, "未知的申请人类型“法人”")
        self.assertIsNone(response.context.get("confirm_form"))
        self.assertEqual(DisclosureRequest.objects.count(), 0)

    def test_it_counts_every_row_but_lists_the_first_thousand(self):
        log_in(self.client, self.clerk)
        good = [["", "2020-03-02", "自然人", "", "", ""]] * 1200
        preview = self.upload(ledger_csv([HEADER, *good]))
        self.assertContains(preview, "新建 1200 条")
        self.assertContains(preview, "下表只列出前 1000 行")
        self.assertEqual(len(preview.context["result"].rows), 1000)
        bad = [["", "2020/3/2", "自然人", "", "", ""]] * 1200
        refused = self.upload(ledger_csv([HEADER, *bad]))
        self.assertContains(refused, "1200 行有问题（下表列出前 1000 行）")

    def test_it_explains_a_file_it_cannot_read(self):
        log_in(self.client, self.clerk)
        response = self.upload(b"\xd0\xcf\x11\xe0" + b"\x00" * 64, name="old.xls")
        self.assertContains(response, "这是旧版 Excel（.xls）文件")
        response = self.upload(ledger_csv([["申请编号", "电话"], ["A", "1"]]))
        self.assertContains(response, "未知的列。")

    def test_it_updates_only_when_asked_and_shows_the_change(self):
        request = make_request(self.agency, number="A-1", subject="原内容")
        log_in(self.client, self.manager)
        data = ledger_xlsx(
            [
                ["number", "received_on", "applicant_type", "subject"],
                ["A-1", datetime.date(2020, 3, 2), "natural_person", "新内容"],
            ]
        )
        refused = self.upload(data, name="台账.xlsx")
        self.assertContains(refused, "如要更新已有记录，请勾选“更新已有编号的记录”")

        preview = self.upload(data, name="台账.xlsx", update=True)
        self.assertContains(preview, "新建 0 条，更新 1 条")
        self.assertContains(preview, "<del")
        self.confirm(preview)
        request.refresh_from_db()
        self.assertEqual(request.subject, "新内容")

    def test_it_offers_only_the_users_agencies(self):
        log_in(self.client, self.clerk)
        page = self.client.get(IMPORT_URL)
        self.assertEqual(list(page.context["form"].fields["agency"].queryset), [self.agency])
        response = self.upload(
            ledger_csv([HEADER, ["A-1", "2020-03-02", "自然人", "", "", ""]]), agency=self.other
        )
        self.assertTrue(response.context["form"].errors["agency"])
        self.assertEqual(DisclosureRequest.objects.count(), 0)

    def test_it_refuses_a_confirmation_for_another_agency(self):
        log_in(self.client, self.clerk)
        preview = self.upload(ledger_csv([HEADER, ["A-1", "2020-03-02", "自然人", "", "", ""]]))
        form = preview.context["confirm_form"]
        data = {name: form.initial.get(name, "") for name in form.fields}
        data["agency"] = self.other.pk
        response = self.client.post(CONFIRM_URL, data)
        self.assertEqual(response.status_code, 200)  # the confirmation form, with its error
        self.assertEqual(DisclosureRequest.objects.count(), 0)

    def test_it_is_for_staff_who_may_add_records(self):
        viewer = make_user("viewer", agencies=[self.agency])
        log_in(self.client, viewer)
        self.assertEqual(self.client.get(IMPORT_URL).status_code, 404)  # refused: as missing
        self.client.logout()
        self.assertEqual(self.client.get(IMPORT_URL).status_code, 302)  # to the login page

    def test_it_imports_cases_in_the_case_admin(self):
        make_request(self.agency, number="2020-0001")
        log_in(self.client, self.clerk)
        preview = self.client.post(
            reverse("admin:disclosure_case_import"),
            {
                "agency": self.agency.pk,
                "import_file": SimpleUploadedFile(
                    "cases.csv",
                    ledger_csv(
                        [["类型", "立案日期", "申请编号"], ["行政复议", "2020-05-06", "2020-0001"]]
                    ),
                ),
                "format": "0",
                "resource": "0",
            },
        )
        self.assertContains(preview, "新建 1 条")
        form = preview.context["confirm_form"]
        self.client.post(
            reverse("admin:disclosure_case_process_import"),
            {name: form.initial.get(name, "") for name in form.fields},
        )
        case = Case.objects.get()
        self.assertEqual((case.number, case.request.number), ("案2020-0001", "2020-0001"))
