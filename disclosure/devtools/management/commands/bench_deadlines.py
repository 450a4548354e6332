"""Benchmark: the statutory clock at scale.

    python manage.py bench_deadlines 100000 [--repeat 5] [--keep]

Bulk-loads N synthetic requests (5 % open, as ``bench_requests``), then times: computing every
cached due date, the recomputation a holiday edit triggers, the request list filtered to overdue
requests, and the clerks' dashboard. Run it against a scratch database (it uses the agency
"bench" and, unless --keep, removes its requests at the end).
"""

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.urls import reverse

from disclosure.clock import services as clock_services
from disclosure.devtools.bench import clerk_client, load_requests, time_pages, wipe_agency_records
from disclosure.models import CalendarYear, DisclosureRequest, Holiday
from disclosure.records import services


class Command(BaseCommand):
    help = "基准测试：N条申请的答复期限计算、节假日修改后的重算、逾期筛选列表和到期提醒页面。"

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, nargs="?", default=100_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--keep", action="store_true", help="结束后保留生成的数据")

    def handle(self, *args, n, repeat, keep, **options):
        agency, _ = services.agency_add(code="bench", name="基准测试机关")
        wipe_agency_records(agency)
        load_requests(agency, n)
        requests = DisclosureRequest.objects.filter(agency=agency)
        open_count = requests.filter(decided_on__isnull=True).count()
        self.stdout.write(f"{connection.vendor}: {n} 条申请，其中办理中 {open_count} 条")

        t = time.perf_counter()
        changed = clock_services.request_deadlines_refresh(queryset=requests)
        self.stdout.write(
            f"  计算全部答复期限       {time.perf_counter() - t:7.2f} s（{changed} 条）"
        )

        # A manager adds a day off in the middle of the data: open requests received before
        # it are recomputed.
        day = datetime.date(2023, 6, 19)
        holiday = Holiday(calendar=CalendarYear.objects.get(year=day.year), date=day, name="基准")
        t = time.perf_counter()
        clock_services.holiday_save(holiday=holiday)
        seconds = time.perf_counter() - t
        clock_services.holiday_delete(holiday=holiday)
        self.stdout.write(f"  修改一天节假日后重算   {seconds:7.2f} s")

        client = clerk_client(agency)
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
        time_pages(self.stdout, client, pages, repeat)
        if not keep:
            wipe_agency_records(agency)
