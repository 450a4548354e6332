"""Security finding 8 (dates): a request's receipt and a case's filing not before 2008-05-01 (the
first 条例 took effect; a named CheckConstraint), and no date of a request or case in the future
(a field validator: "today" moves, so the database cannot check it). A database holding such a
date must have it corrected before this migration applies: the constraint is checked on every
existing row."""

import datetime

from django.db import migrations, models

import disclosure.records.numbering


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0008_category_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="concluded_on",
            field=models.DateField(blank=True, null=True, validators=[disclosure.records.numbering.date_not_in_future], verbose_name="审结日期"),
        ),
        migrations.AlterField(
            model_name="case",
            name="filed_on",
            field=models.DateField(validators=[disclosure.records.numbering.date_not_in_future], verbose_name="立案日期"),
        ),
        migrations.AlterField(
            model_name="disclosurerequest",
            name="decided_on",
            field=models.DateField(blank=True, null=True, validators=[disclosure.records.numbering.date_not_in_future], verbose_name="答复日期"),
        ),
        migrations.AlterField(
            model_name="disclosurerequest",
            name="received_on",
            field=models.DateField(help_text="条例第三十一条规定的收到申请之日。", validators=[disclosure.records.numbering.date_not_in_future], verbose_name="收到申请日期"),
        ),
        migrations.AlterField(
            model_name="historicalcase",
            name="concluded_on",
            field=models.DateField(blank=True, null=True, validators=[disclosure.records.numbering.date_not_in_future], verbose_name="审结日期"),
        ),
        migrations.AlterField(
            model_name="historicalcase",
            name="filed_on",
            field=models.DateField(validators=[disclosure.records.numbering.date_not_in_future], verbose_name="立案日期"),
        ),
        migrations.AlterField(
            model_name="historicaldisclosurerequest",
            name="decided_on",
            field=models.DateField(blank=True, null=True, validators=[disclosure.records.numbering.date_not_in_future], verbose_name="答复日期"),
        ),
        migrations.AlterField(
            model_name="historicaldisclosurerequest",
            name="received_on",
            field=models.DateField(help_text="条例第三十一条规定的收到申请之日。", validators=[disclosure.records.numbering.date_not_in_future], verbose_name="收到申请日期"),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(condition=models.Q(("filed_on__gte", datetime.date(2008, 5, 1))), name="case_filed_after_statute", violation_error_message="立案日期不能早于2008年5月1日（《政府信息公开条例》施行之日）。"),
        ),
        migrations.AddConstraint(
            model_name="disclosurerequest",
            constraint=models.CheckConstraint(condition=models.Q(("received_on__gte", datetime.date(2008, 5, 1))), name="request_received_after_statute", violation_error_message="收到申请日期不能早于2008年5月1日（《政府信息公开条例》施行之日）。"),
        ),
    ]
