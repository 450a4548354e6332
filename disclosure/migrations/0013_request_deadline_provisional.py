"""Requests whose due date ran into a year without a working-day calendar had none; they get a
provisional one (counted Monday–Friday through that year), flagged, until the year is entered."""

from django.conf import settings
from django.db import migrations, models


def provisional_due_dates(apps, schema_editor):
    from disclosure.clock.calendar import WorkCalendar
    from disclosure.clock.compute import compute_or_provisional

    CalendarYear = apps.get_model("disclosure", "CalendarYear")
    Holiday = apps.get_model("disclosure", "Holiday")
    DisclosureRequest = apps.get_model("disclosure", "DisclosureRequest")
    RequestEvent = apps.get_model("disclosure", "RequestEvent")
    cal = WorkCalendar.from_rows(
        CalendarYear.objects.values_list("year", flat=True),
        Holiday.objects.values_list("date", "kind", "name"),
    )
    undated = DisclosureRequest.objects.filter(due_on__isnull=True, waiting_until__isnull=True)
    for request in undated.only("id", "received_on").iterator():
        events = list(RequestEvent.objects.filter(request_id=request.pk))
        deadline = compute_or_provisional(
            request.received_on,
            events,
            cal,
            count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY,
            explain=False,
        )
        DisclosureRequest.objects.filter(pk=request.pk).update(
            due_on=deadline.due_on,
            waiting_until=deadline.waiting_until,
            deadline_provisional=deadline.provisional,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0012_attachment_sha256"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosurerequest",
            name="deadline_provisional",
            field=models.BooleanField(default=False, editable=False, verbose_name="答复期限暂定"),
        ),
        migrations.RunPython(provisional_due_dates, migrations.RunPython.noop),
    ]
