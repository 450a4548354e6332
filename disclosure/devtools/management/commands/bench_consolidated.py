"""Benchmark: the consolidated (汇总) report of a government with many units, beside the same
aggregates written by hand in SQL, and its query count at two tree sizes.

    python manage.py bench_consolidated [--units 50] [--requests 1000000] [--repeat 5] [--keep]

Run it against a scratch PostgreSQL database: it bulk-loads synthetic requests (2019–2025, 5 %
open) and one case per hundred into a tree of agencies under "bench-gov" — a few county-like
units with departments of their own, the rest departments — spread unevenly (a big unit holds
ten times a small one's), and removes them at the end unless --keep.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from disclosure.access import agency_tree
from disclosure.devtools.bench import synthetic_requests, wipe_agency_records
from disclosure.models import Agency, Case, CaseKind, DisclosureRequest, YearlyFigures
from disclosure.records import services
from reports import rules
from reports.selectors import report_compile_consolidated

YEAR = 2021
TEMPLATE = "2021"
BATCH = 10_000


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


class Command(BaseCommand):
    help = "基准测试：汇总报告（多个下级单位、100万条申请）的编制耗时、查询数，与手写SQL比较。"

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=50, help="机关数（含本级），默认50")
        parser.add_argument(
            "--requests", type=int, default=1_000_000, help="申请总条数，默认1000000"
        )
        parser.add_argument("--repeat", type=int, default=5, help="各测几次（取中位数）")
        parser.add_argument("--keep", action="store_true", help="结束后保留生成的数据")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="使用上次 --keep 保留的数据（不重新写入；--units 须与上次相同）",
        )

    def handle(self, *args, units, requests, repeat, keep, reuse, **options):
        if units < 6:
            raise CommandError("--units 至少为6（本级、5个下级单位）。")
        self.stdout.write(
            f"数据库：{connection.vendor}；{units} 个机关，{requests:,} 条申请；"
            f"报告年度 {YEAR}，格式 {TEMPLATE}"
        )
        tree = self._tree(units)
        try:
            if not reuse:
                started = time.perf_counter()
                for agency in tree:
                    wipe_agency_records(agency)
                self._load(tree, requests)
                self.stdout.write(f"写入 {time.perf_counter() - started:.1f} s")
            self._compare(tree[0], repeat)
            self._query_counts(tree)
        finally:
            if not keep:
                for agency in tree:
                    wipe_agency_records(agency)
                    YearlyFigures.objects.filter(agency=agency).delete()
                for agency in reversed(tree):  # units before their parents (PROTECT)
                    agency.delete()

    def _tree(self, n: int) -> list[Agency]:
        """bench-gov, five county-like units, and the rest as departments: about a third
        under the counties, the others directly under bench-gov."""
        gov, _ = services.agency_add(code="bench-gov", name="基准测试市人民政府")
        tree = [gov]
        counties = []
        for i in range(5):
            county, _ = services.agency_add(
                code=f"bench-county-{i}", name=f"基准测试县{i}", parent_code=gov.code
            )
            counties.append(county)
            tree.append(county)
        for i in range(n - 6):
            parent = counties[i % 5] if i % 3 == 0 else gov
            unit, _ = services.agency_add(
                code=f"bench-dept-{i}", name=f"基准测试部门{i}", parent_code=parent.code
            )
            tree.append(unit)
        return tree

    def _load(self, tree: list[Agency], total: int) -> None:
        rng = random.Random(50)
        weights = [rng.uniform(1, 10) for _ in tree]
        shares = [int(total * w / sum(weights)) for w in weights]
        shares[0] += total - sum(shares)
        for i, (agency, n) in enumerate(zip(tree, shares, strict=True)):
            with transaction.atomic():
                batch = []
                for request in synthetic_requests(agency, n, seed=i):
                    batch.append(request)
                    if len(batch) == BATCH:
                        DisclosureRequest.objects.bulk_create(batch)
                        batch = []
                DisclosureRequest.objects.bulk_create(batch)
                Case.objects.bulk_create(
                    Case(
                        agency=agency,
                        number=f"BC{k:08d}",
                        kind=rng.choice(CaseKind.values),
                        filed_on=(
                            filed := datetime.date(2019, 1, 1)
                            + datetime.timedelta(days=rng.randrange(2500))
                        ),
                        result=(result := rng.choice(["", "upheld", "corrected", "other"])),
                        concluded_on=filed + datetime.timedelta(days=90) if result else None,
                    )
                    for k in range(0, n, 100)
                )
                if i % 2 == 0:
                    YearlyFigures.objects.create(agency=agency, year=YEAR, licensing_decisions=i)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE disclosure_disclosurerequest")
                cursor.execute("ANALYZE disclosure_case")

    def _compare(self, gov: Agency, repeat: int) -> None:
        report_compile_consolidated(agency=gov, year=YEAR, template=TEMPLATE)  # warm-up
        if connection.vendor != "postgresql":
            started = time.perf_counter()
            report_compile_consolidated(agency=gov, year=YEAR, template=TEMPLATE)
            self.stdout.write(
                f"汇总编制 {(time.perf_counter() - started) * 1000:.1f} ms"
                "（手写SQL对照只在PostgreSQL上运行）"
            )
            return
        compiled, by_hand, whole = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            data = report_compile_consolidated(agency=gov, year=YEAR, template=TEMPLATE)
            compiled.append(time.perf_counter() - started)
            started = time.perf_counter()
            rows = self._hand_written(gov)
            by_hand.append(time.perf_counter() - started)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT agency_id, count(*) FROM disclosure_disclosurerequest GROUP BY 1"
                )
                cursor.fetchall()
            whole.append(time.perf_counter() - started)
        received = sum(r[3] for r in rows)
        if received != data.row("received").total:
            raise CommandError(
                f"手写SQL与编制结果不一致：{received} ≠ {data.row('received').total}"
            )
        ratio = statistics.median(compiled) / statistics.median(by_hand)
        self.stdout.write(
            f"汇总编制（{len(data.units)} 个机关，本年新收 {received:,}）：\n"
            f"  report_compile_consolidated  中位数{_ms(compiled)}"
            f"  最慢{max(compiled) * 1000:8.1f} ms\n"
            f"  同样的聚合，手写SQL            中位数{_ms(by_hand)}\n"
            f"  全表一次 GROUP BY agency      中位数{_ms(whole)}\n"
            f"  编制 / 手写SQL = {ratio:.2f}"
        )

    def _hand_written(self, gov: Agency) -> list[tuple]:
        """The same reads as ``report_compile_consolidated``, as plain SQL: the agencies, typed
        years, the four aggregates (documents, yearly figures, requests, cases), rows fetched."""
        first, last = rules.year_bounds(YEAR)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, code, name, parent_id FROM disclosure_agency ORDER BY code")
            children: dict = {}
            for pk, _code, _name, parent in cursor.fetchall():
                children.setdefault(parent, []).append(pk)
            found, stack = [], [gov.pk]
            while stack:
                pk = stack.pop()
                found.append(pk)
                stack.extend(children.get(pk, []))
            ids = tuple(found)  # psycopg writes a tuple as (1, 2, …): the ORM's IN list
            cursor.execute(
                "SELECT agency_id, entered_data FROM reports_report"
                " WHERE agency_id IN %s AND year = %s AND entered_data IS NOT NULL",
                [ids, YEAR],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT agency_id, kind,"
                " count(*) FILTER (WHERE coalesce(made_on, published_on) BETWEEN %s AND %s),"
                " count(*) FILTER (WHERE repealed_on BETWEEN %s AND %s),"
                " count(*) FILTER (WHERE coalesce(made_on, published_on) <= %s"
                "   AND (repealed_on IS NULL OR repealed_on > %s))"
                " FROM disclosure_disclosure WHERE agency_id IN %s"
                " AND kind IN ('regulation', 'normative_document') AND status <> 'draft'"
                " GROUP BY 1, 2",
                [first, last, first, last, last, last, ids],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT * FROM disclosure_yearlyfigures WHERE agency_id IN %s AND year = %s",
                [ids, YEAR],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT agency_id, applicant_type, outcome,"
                " count(*) FILTER (WHERE received_on BETWEEN %s AND %s),"
                " count(*) FILTER (WHERE received_on < %s"
                "   AND (decided_on IS NULL OR decided_on >= %s)),"
                " count(*) FILTER (WHERE decided_on BETWEEN %s AND %s),"
                " count(*) FILTER (WHERE received_on <= %s"
                "   AND (decided_on IS NULL OR decided_on > %s))"
                " FROM disclosure_disclosurerequest"
                " WHERE agency_id IN %s AND received_on <= %s"
                " AND (decided_on IS NULL OR decided_on >= %s)"
                " GROUP BY 1, 2, 3",
                [first, last, first, first, first, last, last, last, ids, last, first],
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT agency_id, kind,"
                " count(*) FILTER (WHERE concluded_on BETWEEN %s AND %s AND result = 'upheld'),"
                " count(*) FILTER (WHERE concluded_on BETWEEN %s AND %s AND result = 'corrected'),"
                " count(*) FILTER (WHERE concluded_on BETWEEN %s AND %s AND result = 'other'),"
                " count(*) FILTER (WHERE filed_on <= %s"
                "   AND (concluded_on IS NULL OR concluded_on > %s))"
                " FROM disclosure_case WHERE agency_id IN %s"
                " AND ((concluded_on BETWEEN %s AND %s)"
                "   OR (filed_on <= %s AND (concluded_on IS NULL OR concluded_on > %s)))"
                " GROUP BY 1, 2",
                [first, last, first, last, first, last, last, last, ids, first, last, last, last],
            )
            cursor.fetchall()
        return rows

    def _query_counts(self, tree: list[Agency]) -> None:
        counts = []
        for agency in (tree[0], tree[1]):  # the whole tree, then one county's
            with CaptureQueriesContext(connection) as captured:
                data = report_compile_consolidated(agency=agency, year=YEAR, template=TEMPLATE)
            counts.append((len(agency_tree(agency)), len(data.units), len(captured)))
        self.stdout.write(
            "查询数："
            + "；".join(f"{units} 个机关 {queries} 次" for _tree, units, queries in counts)
        )
