"""Benchmark: bulk-load N synthetic requests and time the clerks' request list.

    python manage.py bench_requests 100000 [--repeat 5] [--keep]

Run it against a scratch database (it uses the agency "bench" and, unless --keep, removes its
requests at the end).
"""

from django.core.management.base import BaseCommand
from django.db import connection
from django.urls import reverse

from disclosure.devtools.bench import clerk_client, load_requests, time_pages, wipe_agency_records
from disclosure.records import services


class Command(BaseCommand):
    help = "基准测试：批量生成N条依申请公开记录，并测量后台申请列表的渲染时间和查询数。"

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, nargs="?", default=100_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--keep", action="store_true", help="结束后保留生成的数据")

    def handle(self, *args, n, repeat, keep, **options):
        agency, _ = services.agency_add(code="bench", name="基准测试机关")
        wipe_agency_records(agency)
        seconds = load_requests(agency, n)
        self.stdout.write(f"{connection.vendor}: {n} 条申请，批量写入 {seconds:.1f} s")
        url = reverse("admin:disclosure_disclosurerequest_changelist")
        pages = {
            "列表首页": (url, {}),
            "按结果筛选": (url, {"outcome": "granted"}),
            "按答复年度筛选": (url, {"decided_year": "2023"}),
            "搜索编号": (url, {"q": f"B{n // 2:08d}"}),
        }
        time_pages(self.stdout, clerk_client(agency), pages, repeat)
        if not keep:
            wipe_agency_records(agency)
