"""Seeds the working-day calendar from the installed ``chinesecalendar`` package (every year it
covers), gives the roles their new permissions, and computes the due date of existing requests."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations


def seed_calendar(apps, schema_editor):
    from disclosure.clock.calendar import package_calendar, package_version

    CalendarYear = apps.get_model("disclosure", "CalendarYear")
    Holiday = apps.get_model("disclosure", "Holiday")
    years, rows = package_calendar()
    source = package_version()
    calendars = {}
    for year in years:
        calendars[year], _ = CalendarYear.objects.get_or_create(
            year=year, defaults={"source": source}
        )
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create(
        Holiday(calendar=calendars[day.year], date=day, kind=kind, name=name)
        for day, kind, name in rows
        if day not in existing
    )


def apply_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    from disclosure.roles import apply_roles

    apply_roles(
        apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), missing_ok=True
    )


def compute_due_dates(apps, schema_editor):
    """Existing requests have no events yet: the due date follows from receipt alone."""
    from disclosure.clock.calendar import CalendarMissing, WorkCalendar
    from disclosure.clock import compute

    CalendarYear = apps.get_model("disclosure", "CalendarYear")
    Holiday = apps.get_model("disclosure", "Holiday")
    DisclosureRequest = apps.get_model("disclosure", "DisclosureRequest")
    cal = WorkCalendar.from_rows(
        CalendarYear.objects.values_list("year", flat=True),
        Holiday.objects.values_list("date", "kind", "name"),
    )
    changed = []
    for request in DisclosureRequest.objects.only("id", "received_on").iterator():
        try:
            request.due_on = compute(
                request.received_on, [], cal, count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY
            ).due_on
        except CalendarMissing:
            continue
        changed.append(request)
    DisclosureRequest.objects.bulk_update(changed, ["due_on"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0003_clock_calendar_events"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(seed_calendar, migrations.RunPython.noop),
        migrations.RunPython(apply_roles, migrations.RunPython.noop),
        migrations.RunPython(compute_due_dates, migrations.RunPython.noop),
    ]
