from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase

from disclosure.models import Agency


class AgencyAddCommandTests(TestCase):
    def test_it_creates_an_agency_with_a_parent(self):
        call_command("agency_add", "wz", "温州市人民政府", stdout=StringIO())
        call_command(
            "agency_add", "wzjgsw", "温州市机关事务管理局", "--parent", "wz", stdout=StringIO()
        )
        self.assertEqual(Agency.objects.get(code="wzjgsw").parent.code, "wz")

    def test_it_is_a_no_op_for_the_same_code_and_name(self):
        call_command("agency_add", "wz", "温州市人民政府", stdout=StringIO())
        out = StringIO()
        call_command("agency_add", "wz", "温州市人民政府", stdout=out)
        self.assertIn("已存在", out.getvalue())
        self.assertEqual(Agency.objects.count(), 1)

    def test_it_refuses_a_code_taken_by_another_name(self):
        call_command("agency_add", "wz", "温州市人民政府", stdout=StringIO())
        with self.assertRaisesMessage(CommandError, "已被“温州市人民政府”使用"):
            call_command("agency_add", "wz", "别的机关", stdout=StringIO())

    def test_it_refuses_an_unknown_parent(self):
        with self.assertRaisesMessage(CommandError, "上级机关代码“nope”不存在"):
            call_command("agency_add", "x", "某机关", "--parent", "nope", stdout=StringIO())
