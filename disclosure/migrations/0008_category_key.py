"""Security finding 3: the categories the code relies on get a fixed key (the code no longer finds
them by the editable slug), and the roles are applied again: the calendar and the catalog move
from 负责人 to the new 系统管理员 group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# key → (slug and name the catalog was seeded with, migration 0002)
KEYED = {"guide": ("guide", "信息公开指南"), "annual-report": ("annual-report", "信息公开年报")}


def set_keys(apps, schema_editor):
    """Found by the seeded slug, else by the seeded name (a slug someone changed), else created."""
    Category = apps.get_model("disclosure", "Category")
    for key, (slug, name) in KEYED.items():
        category = (
            Category.objects.filter(slug=slug).first() or Category.objects.filter(name=name).first()
        )
        if category is None:
            position = Category.objects.aggregate(m=models.Max("position"))["m"] or 0
            category = Category(slug=slug, name=name, position=position + 1)
        category.key = key
        category.save()


def apply_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    from disclosure.roles import apply_roles

    apply_roles(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), missing_ok=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0007_public_list_order"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="key",
            field=models.CharField(
                blank=True,
                choices=[("", "—"), ("guide", "信息公开指南"), ("annual-report", "信息公开年报")],
                default="",
                editable=False,
                help_text="程序按此查找的分类（指南、年报），不能修改，也不能删除。",
                max_length=20,
                verbose_name="系统用途",
            ),
        ),
        migrations.AlterField(
            model_name="category",
            name="slug",
            field=models.SlugField(
                help_text="用于公开网站的网址和订阅地址，创建后不能修改。",
                unique=True,
                verbose_name="网址名",
            ),
        ),
        migrations.RunPython(set_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(
                condition=models.Q(("key", ""), _negated=True),
                fields=("key",),
                name="category_unique_key",
                violation_error_message="已有相同系统用途的分类。",
            ),
        ),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.CheckConstraint(
                condition=models.Q(("key__in", ["", "guide", "annual-report"])),
                name="category_key_valid",
                violation_error_message="系统用途无效。",
            ),
        ),
        migrations.RunPython(apply_roles, migrations.RunPython.noop),
    ]
