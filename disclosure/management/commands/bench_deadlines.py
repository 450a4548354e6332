"""Benchmark: the statutory clock at scale.

    python manage.py bench_deadlines 100000 [--repeat 5] [--keep]

Bulk-loads N synthetic requests (5 % open, as ``bench_requests``), then times: computing every
cached due date, the recomputation a holiday edit triggers, the request list filtered to overdue
requests, and the clerks' dashboard. Run it against a scratch database (it uses the agency
"bench" and, unless --keep, removes its requests at the end).
"""

import datetime
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure import services
from disclosure.management.commands.bench_requests import synthetic_requests
from disclosure.models import CalendarYear, Case, DisclosureRequest, Holiday, RequestEvent
from disclosure.roles import CLERK


def wipe(agency) -> None:
    """Remove the agency's requests in three statements: ``QuerySet.delete()`` would load every
    request and write a history row for each (django-simple-history's delete signal)."""
    requests = f"SELECT id FROM {DisclosureRequest._meta.db_table} WHERE agency_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Case._meta.db_table} SET request_id = NULL WHERE request_id IN ({requests})",
            [agency.pk],
        )
        cursor.execute(
            f"DELETE FROM {RequestEvent._meta.db_table} WHERE request_id IN ({requests})",
            [agency.pk],
        )
        cursor.execute(
            f"DELETE FROM {DisclosureRequest._meta.db_table} WHERE agency_id = %s", [agency.pk]
        )


class Command(BaseCommand):
    help = "基准测试：N条申请的答复期限计算、节假日修改后的重算、逾期筛选列表和到期提醒页面。"

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, nargs="?", default=100_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--keep", action="store_true", help="结束后保留生成的数据")

    def handle(self, *args, n, repeat, keep, **options):
        agency, _ = services.agency_add(code="bench", name="基准测试机关")
        wipe(agency)
        with transaction.atomic():
            batch = []
            for request in synthetic_requests(agency, n):
                batch.append(request)
                if len(batch) == 10_000:
                    DisclosureRequest.objects.bulk_create(batch)
                    batch = []
            DisclosureRequest.objects.bulk_create(batch)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE disclosure_disclosurerequest")
        requests = DisclosureRequest.objects.filter(agency=agency)
        open_count = requests.filter(decided_on__isnull=True).count()
        self.stdout.write(f"{connection.vendor}: {n} 条申请，其中办理中 {open_count} 条")

        t = time.perf_counter()
        changed = services.request_deadlines_refresh(queryset=requests)
        self.stdout.write(
            f"  计算全部答复期限       {time.perf_counter() - t:7.2f} s（{changed} 条）"
        )

        # A manager adds a day off in the middle of the data: open requests received before
        # it are recomputed.
        day = datetime.date(2023, 6, 19)
        holiday = Holiday(calendar=CalendarYear.objects.get(year=day.year), date=day, name="基准")
        t = time.perf_counter()
        services.holiday_save(holiday=holiday)
        seconds = time.perf_counter() - t
        services.holiday_delete(holiday=holiday)
        self.stdout.write(f"  修改一天节假日后重算   {seconds:7.2f} s")

        User = get_user_model()
        clerk, _ = User.objects.get_or_create(username="bench-clerk", defaults={"is_staff": True})
        clerk.groups.add(*Group.objects.filter(name=CLERK))
        agency.members.add(clerk)
        client = Client()
        client.force_login(clerk)
        pages = {
            "逾期筛选列表": (
                reverse("admin:disclosure_disclosurerequest_changelist"),
                {"deadline": "overdue"},
            ),
            "按期限排序": (
                reverse("admin:disclosure_disclosurerequest_changelist"),
                {"o": "3"},
            ),
            "到期提醒": (reverse("admin:disclosure_disclosurerequest_dashboard"), {}),
        }
        static = {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
        with override_settings(STORAGES={**settings.STORAGES, **static}):
            for name, (url, params) in pages.items():
                client.get(url, params)  # warm-up
                timings = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as queries:
                        t = time.perf_counter()
                        response = client.get(url, params)
                        timings.append(time.perf_counter() - t)
                    assert response.status_code == 200, response.status_code
                self.stdout.write(
                    f"  {name:<10} 中位数 {statistics.median(timings) * 1000:7.1f} ms"
                    f"  最慢 {max(timings) * 1000:7.1f} ms  查询 {len(queries)} 次"
                )
        if not keep:
            wipe(agency)
