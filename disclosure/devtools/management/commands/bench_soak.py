"""Soak benchmark (issue 16 point 5): public readers against two app servers sharing the database
and one Redis, while a writer publishes, edits and withdraws items, imports ledgers and publishes
a report correction through the services, for a bounded time. Then it checks:

- **zero errors**: no reader request failed or got anything but 2xx (wrk), no check got a 5xx,
  no write failed;
- **zero stale reads**: right after each write has committed, a checker asks both servers for
  the pages it changed, which were in the shared cache a moment before — a withdrawn item's page
  must be 404 and its title gone from the search results, an edited item's page must show the
  new title, a new item's page must be there;
- **every published report still verifies** (``verify_published``'s checks).

Prints the figures (docs/benchmarks.md) and exits non-zero if any check fails. Run it against a
scratch database: it adds the agency "soak", its items and requests, and leaves them. The Redis
is ``CACHE_URL`` when that is a redis:// URL, else a private ``redis-server`` on a free port.
"""

import datetime
import json
import os
import queue
import random
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from disclosure import ledger
from disclosure.devtools.bench import synthetic_requests
from disclosure.devtools.servers import AppServer, RedisServer, http_get
from disclosure.models import Category, Disclosure
from disclosure.public.pagecache import public_changed
from disclosure.records import sealed, services
from disclosure.roles import MANAGER
from reports.models import Report, ReportVersion
from reports.services import report_publish

AGENCY_CODE = "soak"
AGENCY_NAME = "压力测试市政务服务管理办公室"
HOST = "soak.example.gov.cn"  # every server sees the same host, as behind a load balancer
REPORT_YEAR = 2021
LEDGER_START = datetime.date(2022, 1, 1)
LEDGER_ROWS = 50
PAUSE = 0.2  # seconds between writes: a busy agency, not a bulk load


@dataclass
class Event:
    kind: str  # published, edited, withdrawn
    pk: int
    title: str
    old_title: str = ""


@dataclass
class Tally:
    writes: dict[str, int] = field(default_factory=dict)
    write_errors: list[str] = field(default_factory=list)
    ledger_rows: int = 0
    checks: int = 0
    primed: int = 0
    cached_before: int = 0
    stale: list[str] = field(default_factory=list)
    check_errors: list[str] = field(default_factory=list)

    def wrote(self, kind: str) -> None:
        self.writes[kind] = self.writes.get(kind, 0) + 1


class Command(BaseCommand):
    help = (
        "压力测试（长时间运行）：两台应用服务器共用数据库和Redis，wrk模拟公众读取，"
        "同时经服务层发布、修改、撤回信息和导入台账；结束后核对：无错误、"
        "撤回或修改后没有读到过期页面、已发布的年度报告全部校验一致。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=60, help="运行秒数（默认60，上限3600）")
        parser.add_argument("--clients", type=int, default=8, help="wrk并发连接数，两台服务器合计")
        parser.add_argument("--workers", type=int, default=2, help="每台服务器的gunicorn进程数")
        parser.add_argument("--items", type=int, default=2000, help="预先载入的已发布信息条数")

    def handle(self, *args, duration, clients, workers, items, **options):
        if not 5 <= duration <= 3600 or clients < 2 or workers < 1 or items < 10:
            raise CommandError("duration须在5到3600秒之间，clients≥2，workers≥1，items≥10。")
        if not shutil.which("wrk"):
            raise CommandError("找不到wrk，请先安装：apt-get install wrk")
        with ExitStack() as stack:
            redis_url = self._redis(stack)
            agency, manager = self._prepare(items)
            env = {
                "CACHE_URL": redis_url,
                "ALLOWED_HOSTS": HOST,
                "CONN_MAX_AGE": "600",
                "PUBLIC_PAGE_CACHE_SECONDS": "600",
            }
            servers = [
                stack.enter_context(AppServer(env, workers=workers, name=f"soak-{n}")) for n in "ab"
            ]
            self.stdout.write(
                f"两台应用服务器：{servers[0].url}、{servers[1].url}（共用 {redis_url}）。"
            )
            result = self._run(agency, manager, servers, duration, clients)
        self._report(result, duration, clients, workers)

    def _redis(self, stack: ExitStack) -> str:
        """The shared cache: CACHE_URL's Redis, or a private one this process also writes to."""
        url = os.environ.get("CACHE_URL", "")
        if url.startswith(("redis://", "rediss://", "unix://")):
            return url
        if RedisServer.binary() is None:
            raise CommandError("需要Redis：设置 CACHE_URL=redis://…，或安装 redis-server。")
        url = stack.enter_context(RedisServer()).url
        redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        stack.enter_context(override_settings(CACHES={**settings.CACHES, "default": redis_cache}))
        return url

    def _prepare(self, items: int):
        """The agency, a manager, ``items`` published items, a published report."""
        agency, _ = services.agency_add(code=AGENCY_CODE, name=AGENCY_NAME)
        manager, created = get_user_model().objects.get_or_create(
            username="soak-manager", defaults={"is_staff": True}
        )
        if created:
            manager.groups.add(Group.objects.get(name=MANAGER))
            agency.members.add(manager)
        have = Disclosure.objects.filter(
            agency=agency, title__startswith="压力测试固定信息"
        ).count()
        if have < items:
            rng = random.Random(have)
            categories = list(Category.objects.all())
            with transaction.atomic():
                Disclosure.objects.bulk_create(
                    _stable_item(agency, rng.choice(categories), seq, rng)
                    for seq in range(have, items)
                )
            public_changed()  # bulk_create() sends no signal
        if not ReportVersion.objects.filter(agency=agency).exists():
            self.stdout.write("发布一份年度报告……")
            report_publish(report=_ready_report(agency), user=manager)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE disclosure_disclosure")
        return agency, manager

    def _run(self, agency, manager, servers, duration: int, clients: int) -> dict:
        stable = list(
            Disclosure.objects.published()
            .filter(agency=agency, title__startswith="压力测试固定信息")
            .values_list("pk", flat=True)[:2000]
        )
        paths = _reader_paths(stable)
        tally = Tally()
        events: queue.Queue[Event | None] = queue.Queue()
        checker = threading.Thread(target=_check, args=(events, servers, tally), daemon=True)
        checker.start()
        self.stdout.write(f"运行{duration}秒……")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="soak-wrk-") as folder:
            readers = [
                _start_wrk(server.url, paths, clients // 2, duration, folder, n)
                for n, server in enumerate(servers)
            ]
            _write(agency, manager, servers, started + duration, events, tally)
            events.put(None)
            checker.join(timeout=120)
            reads = [_wrk_result(process) for process in readers]
        elapsed = time.monotonic() - started
        verification = sealed.verify_all()
        return {"reads": reads, "tally": tally, "verification": verification, "elapsed": elapsed}

    def _report(self, result: dict, duration: int, clients: int, workers: int) -> None:
        reads, tally, verification = result["reads"], result["tally"], result["verification"]
        requests = sum(r["requests"] for r in reads)
        read_errors = sum(r["errors"] + r["non2xx"] for r in reads)
        hits = sum(r["hits"] for r in reads)
        writes = "、".join(f"{WRITE_LABELS[k]} {n}" for k, n in tally.writes.items())
        problems = len(verification.problems)
        checked = "、".join(f"{kind} {n} 项" for kind, n in verification.checked.items())
        self.stdout.write(
            f"\n{connection.vendor}，两台应用服务器（各{workers}个gunicorn进程）共用Redis，"
            f"{result['elapsed']:.0f}秒，wrk {clients}个并发连接，本机回环，{os.cpu_count()}核，"
            f"1分钟负载 {os.getloadavg()[0]:.1f}：\n"
            f"  读取：{requests} 个请求（{requests / duration:.1f} 个/秒），错误 {read_errors}，"
            f"缓存命中 {hits * 100 / max(1, requests):.0f}%\n"
            + "".join(
                f"    服务器{'AB'[n]}：{r['requests']} 个，p50 {r['p50']:.1f} ms，"
                f"p95 {r['p95']:.1f} ms，p99 {r['p99']:.1f} ms\n"
                for n, r in enumerate(reads)
            )
            + f"  写入：{writes}（台账共 {tally.ledger_rows} 行），失败 {len(tally.write_errors)}\n"
            f"  过期读取核对：写入后 {tally.checks} 次请求；修改、撤回前先读取 {tally.primed} 个"
            f"页面，其中 {tally.cached_before} 个已在共用缓存中（另一台服务器命中）；"
            f"过期读取 {len(tally.stale)}，出错 {len(tally.check_errors)}\n"
            f"  已发布报告核对：{checked}，不一致 {problems}"
        )
        failures = tally.write_errors + tally.stale + tally.check_errors
        failures += [str(p) for p in verification.problems]
        for line in failures[:20]:
            self.stderr.write(f"  {line}")
        if read_errors or failures:
            raise CommandError(
                f"压力测试未通过：读取错误 {read_errors}，写入失败 {len(tally.write_errors)}，"
                f"过期读取 {len(tally.stale)}，核对出错 {len(tally.check_errors)}，"
                f"报告不一致 {problems}。"
            )
        self.stdout.write("通过：无错误，无过期读取，已发布报告全部校验一致。")


WRITE_LABELS = {
    "published": "发布",
    "edited": "修改",
    "withdrawn": "撤回",
    "ledger": "台账导入",
    "report": "年度报告更正发布",
}


def _stable_item(agency, category, seq: int, rng: random.Random) -> Disclosure:
    published_on = datetime.date(2016, 1, 1) + datetime.timedelta(days=rng.randint(0, 3000))
    return Disclosure(
        agency=agency,
        category=category,
        status=Disclosure.Status.PUBLISHED,
        title=f"压力测试固定信息{seq}号：关于{rng.choice(TOPICS)}的通知",
        index_number=f"{AGENCY_CODE}/{published_on.year}-{seq + 1:06d}",
        made_on=published_on,
        published_on=published_on,
        body=f"为做好{rng.choice(TOPICS)}工作，现将有关事项通知如下。" * rng.randint(3, 12),
    )


TOPICS = "政务服务 一网通办 营商环境 工程建设项目审批 证照分离 好差评 帮办代办 12345热线".split()


def _ready_report(agency) -> Report:
    report, _ = Report.objects.get_or_create(
        agency=agency,
        year=REPORT_YEAR,
        defaults={
            "template": "2021",
            "introduction": "特向社会公布本年度报告。",
            "overview": "（一）主动公开\n本年度主动公开工作正常开展。",
            "problems": "无。",
            "other_matters": f"{REPORT_YEAR}年度本机关未收取信息处理费。",
        },
    )
    return report


def _reader_paths(stable: list[int]) -> list[str]:
    """What the public reads: the home pages, lists, searches, feeds and item pages that no
    write of the soak takes away (every one must answer 200)."""
    base = f"/{AGENCY_CODE}"
    searches = [urllib.parse.urlencode({"q": word}) for word in TOPICS]
    return [
        "/",
        f"{base}/",
        *(f"{base}/items/?page={p}" for p in range(1, 6)),
        *(f"{base}/items/?{q}" for q in searches),
        f"{base}/feed/rss/",
        *(f"{base}/items/{pk}/" for pk in stable),
    ]


def _write(agency, manager, servers, deadline: float, events: queue.Queue, tally: Tally) -> None:
    """The writer: until the deadline, a round of publish, edit, withdraw, and every fifth
    round a ledger import; once, halfway, a report correction. Before an edit or a withdrawal
    the pages it changes are read from both servers (so they are in the shared cache under the
    current version); each event is handed to the checker after the service returned, that is
    after its transaction committed."""
    rng = random.Random(7)
    live: list[Disclosure] = []
    halfway = time.monotonic() + (deadline - time.monotonic()) / 2
    round_ = 0
    try:
        while time.monotonic() < deadline:
            round_ += 1
            steps = [_publish, _edit, _withdraw]
            if round_ % 5 == 0:
                steps.append(_import_ledger)
            if round_ > 1 and time.monotonic() > halfway and "report" not in tally.writes:
                steps.append(_correct_report)
            for step in steps:
                if time.monotonic() >= deadline:
                    break
                try:
                    step(agency=agency, manager=manager, servers=servers, live=live,
                         events=events, rng=rng, tally=tally, round_=round_)  # fmt: skip
                except Exception as error:  # counted and shown: the soak must see every failure
                    tally.write_errors.append(f"{step.__name__}: {error!r}")
                time.sleep(PAUSE)
    finally:
        connections.close_all()


def _publish(*, agency, manager, live, events, tally, round_, **_):
    title = f"压力测试动态信息{round_}号"
    item = Disclosure(
        agency=agency, category=Category.objects.get(slug="notice"), title=title, body="正文。"
    )
    services.disclosure_save(disclosure=item)
    services.disclosure_publish(disclosure=item, user=manager, published_on=timezone.localdate())
    live.append(item)
    tally.wrote("published")
    events.put(Event("published", item.pk, title))


def _edit(*, servers, live, events, tally, round_, **_):
    if not live:
        return
    item = live[-1]
    _prime(servers, [_detail(item.pk)], tally)
    old = item.title
    item.title = f"{old}（第{round_}轮修订）"
    services.disclosure_save(disclosure=item)
    tally.wrote("edited")
    events.put(Event("edited", item.pk, item.title, old_title=old))


def _withdraw(*, manager, servers, live, events, tally, rng, **_):
    # Keep a few items live: a withdrawal meets an item published rounds ago.
    if len(live) < 3:
        return
    item = live.pop(rng.randrange(len(live) - 1))
    _prime(servers, [_detail(item.pk), _search(item.title)], tally)
    services.disclosure_withdraw(disclosure=item, user=manager)
    tally.wrote("withdrawn")
    events.put(Event("withdrawn", item.pk, item.title))


def _import_ledger(*, agency, tally, round_, **_):
    header = [column.header for column in ledger.REQUESTS.columns]
    rows = []
    # Received from 2022 on: the published report's year (2021) is not changed by them.
    requests = synthetic_requests(agency, LEDGER_ROWS, seed=round_, start=LEDGER_START)
    for request in requests:
        row = ledger.export_row(ledger.REQUESTS, request)
        row[0] = ""  # numbers generated by the importer
        rows.append(row)
    plan = ledger.import_table(
        ledger.REQUESTS,
        agency=agency,
        table=ledger.Table(headers=header, rows=rows),
        reason="压力测试导入台账",
    )
    if not plan.ok:
        raise RuntimeError("; ".join(str(p) for p in plan.problems[:3]))
    tally.wrote("ledger")
    tally.ledger_rows += LEDGER_ROWS


def _correct_report(*, agency, manager, tally, round_, **_):
    report_publish(
        report=_ready_report(agency), user=manager, reason=f"压力测试第{round_}轮：更正说明。"
    )
    tally.wrote("report")


def _detail(pk: int) -> str:
    return f"/{AGENCY_CODE}/items/{pk}/"


def _search(title: str) -> str:
    return f"/{AGENCY_CODE}/items/?{urllib.parse.urlencode({'q': title})}"


def _prime(servers, paths: list[str], tally: Tally) -> None:
    """Read each page from the first server, then the second: the second read is a HIT when
    the page is in the shared cache. A write that failed to retire it would leave it there."""
    for path in paths:
        for server in servers:
            response = http_get(f"{server.url}{path}", host=HOST)
        tally.primed += 1
        tally.cached_before += response.headers.get("X-Page-Cache") == "HIT"


def _check(events: queue.Queue, servers, tally: Tally) -> None:
    """The stale-read checker: each changed page, asked of both servers right after the commit
    (in order: the writer waits for nothing, the checker follows)."""
    while (event := events.get()) is not None:
        detail = _detail(event.pk)
        for server in servers:
            try:
                _check_one(server, detail, event, tally)
            except OSError as error:
                tally.check_errors.append(f"{server.url}{detail}: {error!r}")


def _check_one(server, detail: str, event: Event, tally: Tally) -> None:
    response = http_get(f"{server.url}{detail}", host=HOST)
    tally.checks += 1
    if response.status >= 500:
        tally.check_errors.append(f"{server.url}{detail}: {response.status}")
        return
    where = f"{server.url}{detail}（{event.kind}）"
    if event.kind == "published":
        if response.status != 200 or event.title not in response.body:
            tally.stale.append(f"{where}：新发布的信息未显示（{response.status}）")
    elif event.kind == "edited":
        if response.status != 200 or event.title not in response.body:
            tally.stale.append(f"{where}：显示的仍是修改前的标题（{response.status}）")
    elif event.kind == "withdrawn":
        if response.status != 404:
            tally.stale.append(f"{where}：撤回后仍可访问（{response.status}）")
        found = http_get(f"{server.url}{_search(event.title)}", host=HOST)
        tally.checks += 1
        if found.status != 200 or f"/items/{event.pk}/" in found.body:
            tally.stale.append(f"{where}：撤回后仍出现在搜索结果中（{found.status}）")


def _start_wrk(url: str, paths: list[str], clients: int, duration: int, folder: str, n: int):
    script = os.path.join(folder, f"reader-{n}.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT.replace("PATHS", ", ".join(json.dumps(p) for p in paths)))
    return subprocess.Popen(
        ["wrk", "-t", "1", "-c", str(max(1, clients)), "-d", f"{duration}s", "--timeout", "10s",
         "-H", f"Host: {HOST}", "-s", script, url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wrk_result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    line = next((line for line in out.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise CommandError(f"wrk没有输出结果：{err.strip()}")
    return json.loads(line.removeprefix("RESULT "))


# Picks a random path per request; counts cache hits; prints the figures as one JSON line.
# errors.status counts responses of 400 and above.
WRK_SCRIPT = """
local paths = { PATHS }
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000))
  hits = 0
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
response = function(status, headers, body)
  if headers["X-Page-Cache"] == "HIT" then hits = hits + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local hits = 0
  for _, thread in ipairs(threads) do hits = hits + thread:get("hits") end
  io.write(string.format(
    'RESULT {"requests": %d, "errors": %d, "non2xx": %d, "hits": %d, '
    .. '"p50": %.2f, "p95": %.2f, "p99": %.2f}\\n',
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, hits,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""
