from django.contrib.auth.management import create_permissions
from django.db import migrations

CATEGORIES = [
    ("组织机构", "organization"),
    ("政策文件", "policy"),
    ("政策解读", "interpretation"),
    ("通知公告", "notice"),
    ("人事任免", "personnel"),
    ("规划计划", "plans"),
    ("财政信息", "finance"),
    ("信息公开指南", "guide"),
    ("信息公开年报", "annual-report"),
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Category = apps.get_model("disclosure", "Category")
    for position, (name, slug) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
    from disclosure.roles import apply_roles

    apply_roles(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), missing_ok=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
