"""Benchmark: bulk-load N synthetic requests and time the clerks' request list.

    python manage.py bench_requests 100000 [--repeat 5] [--keep]

Run it against a scratch database (it creates the agency "bench" and, unless --keep, removes
its requests at the end).
"""

import datetime
import random
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
from disclosure.models import ApplicantType, DisclosureRequest, Outcome
from disclosure.roles import CLERK

# Rough shape of real ledgers: most applicants are natural persons, most requests are granted
# or the information is not held.
APPLICANT_WEIGHTS = {
    ApplicantType.NATURAL_PERSON: 85,
    ApplicantType.COMMERCIAL: 8,
    ApplicantType.RESEARCH: 1,
    ApplicantType.PUBLIC_INTEREST: 1,
    ApplicantType.LEGAL_SERVICE: 3,
    ApplicantType.OTHER_ORG: 2,
}
OUTCOME_WEIGHTS = {o: 1 for o in Outcome.values}
OUTCOME_WEIGHTS.update({"granted": 40, "partial": 10, "unavailable_not_held": 25, "other": 5})


def synthetic_requests(agency, n: int, *, seed: int = 1, start=datetime.date(2019, 1, 1)):
    rng = random.Random(seed)
    types, type_w = zip(*APPLICANT_WEIGHTS.items(), strict=True)
    outcomes, outcome_w = zip(*OUTCOME_WEIGHTS.items(), strict=True)
    span = (datetime.date(2025, 12, 31) - start).days
    for i in range(n):
        received = start + datetime.timedelta(days=rng.randrange(span))
        decided = received + datetime.timedelta(days=rng.randrange(1, 45))
        is_open = rng.random() < 0.05
        yield DisclosureRequest(
            agency=agency,
            number=f"B{i:08d}",
            received_on=received,
            channel=rng.choice(["online", "post", "in_person", "fax", "other"]),
            applicant_type=rng.choices(types, type_w)[0],
            applicant_name=f"申请人{i}",
            subject="申请公开相关政府信息",
            outcome="" if is_open else rng.choices(outcomes, outcome_w)[0],
            decided_on=None if is_open else decided,
        )


class Command(BaseCommand):
    help = "基准测试：批量生成N条依申请公开记录，并测量后台申请列表的渲染时间和查询数。"

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, nargs="?", default=100_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--keep", action="store_true", help="结束后保留生成的数据")

    def handle(self, *args, n, repeat, keep, **options):
        agency, _ = services.agency_add(code="bench", name="基准测试机关")
        DisclosureRequest.objects.filter(agency=agency).delete()

        started = time.perf_counter()
        batch = []
        with transaction.atomic():
            for request in synthetic_requests(agency, n):
                batch.append(request)
                if len(batch) == 10_000:
                    DisclosureRequest.objects.bulk_create(batch)
                    batch = []
            DisclosureRequest.objects.bulk_create(batch)
        load_seconds = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE disclosure_disclosurerequest")

        User = get_user_model()
        clerk, _ = User.objects.get_or_create(username="bench-clerk", defaults={"is_staff": True})
        clerk.groups.add(*Group.objects.filter(name=CLERK))
        agency.members.add(clerk)
        client = Client()
        client.force_login(clerk)

        url = reverse("admin:disclosure_disclosurerequest_changelist")
        pages = {
            "列表首页": {},
            "按结果筛选": {"outcome": "granted"},
            "按答复年度筛选": {"decided_year": "2023"},
            "搜索编号": {"q": f"B{n // 2:08d}"},
        }
        static = {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
        self.stdout.write(f"{connection.vendor}: {n} 条申请，批量写入 {load_seconds:.1f} s")
        with override_settings(STORAGES={**settings.STORAGES, **static}):
            for name, params in pages.items():
                client.get(url, params)  # warm-up
                timings = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as queries:
                        t = time.perf_counter()
                        response = client.get(url, params)
                        timings.append(time.perf_counter() - t)
                    assert response.status_code == 200, response.status_code
                self.stdout.write(
                    f"  {name:<8} 中位数 {statistics.median(timings) * 1000:7.1f} ms"
                    f"  最慢 {max(timings) * 1000:7.1f} ms  查询 {len(queries)} 次"
                )
        if not keep:
            DisclosureRequest.objects.filter(agency=agency).delete()
