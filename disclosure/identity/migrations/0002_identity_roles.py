"""Gives the roles the permissions of the lockout list (disclosure/roles.py: the 系统管理员 group
looks at failed logins and unlocks), once they exist; the same steps as reports' 0003_report_roles.
It also gives that group the audit log's view permission, which roles.py lists."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


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
        ("identity", "0001_initial"),
        ("audit", "0003_login_actions"),
        ("reports", "0003_report_roles"),
        ("disclosure", "0004_seed_calendar_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
