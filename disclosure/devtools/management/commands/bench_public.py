"""Load benchmark of the public site: N published items, gunicorn, and ``wrk`` on loopback.

Prints the 50th/95th/99th-percentile latency of the list, search and detail pages (and the
agency home, for information) driven by 20 concurrent clients. Runs on SQLite too (the size is
the argument); the figures that count are on PostgreSQL.
"""

import datetime
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from disclosure.models import Category, Disclosure
from disclosure.public.pagecache import public_changed
from disclosure.records import services

AGENCY_CODE = "bench"
AGENCY_NAME = "基准测试市机关事务管理局"

# A vocabulary wide enough that words have very different frequencies, as in real catalogs:
# "通知" is in nearly every item, a subject in a few percent, a 文号 in a handful.
SUBJECTS = """
市行政中心 机关食堂 公务用车 办公用房 节能降耗 垃圾分类 智慧大院 一卡通 安全保卫 疫情防控
政府采购 部门预算 部门决算 节约型机关 物业管理 会议服务 后勤保障 停车场改造 绿化养护 消防安全
档案管理 信息化建设 餐饮浪费 车辆通行 出入管理 资产处置 维修工程 电梯维保 用电安全 公共机构节水
新能源汽车 充电桩 食品安全 应急演练 保密审查 政务公开 法律顾问 信访件办理 建议提案 无障碍设施
光伏发电 雨污分流 屋顶防水 空调改造 会议室预订 访客登记 快递收发 职工体检 公文交换 印刷服务
周转住房 集中采购 固定资产清查 公物仓 能耗监测 数据中心机房 视频会议系统 网络安全 办公家具 文印中心
幼儿园 职工食堂招标 保洁服务 安保外包 白蚁防治 化粪池清理 二次供水 饮用水检测 地下车库 非机动车棚
""".split()
PLACES = """
鹿城区 龙湾区 瓯海区 洞头区 乐清市 瑞安市 永嘉县 平阳县 苍南县 文成县 泰顺县 龙港市 市府路
学院路 车站大道 世纪广场 江滨路 飞霞南路 锦绣路 人民路
""".split()
ACTIONS = "加强 落实 推进 完善 规范 部署 开展 优化 统筹 强化".split()
TITLE_SHAPES = [
    "关于{s}的通知",
    "关于做好{s}工作的通知",
    "关于{p}{s}有关事项的公告",
    "{y}年{s}工作方案",
    "关于印发《{s}管理办法》的通知",
    "{s}情况公示",
    "关于{s}的通告",
    "{y}年{s}工作总结",
]
SENTENCES = [
    "为{a}{s}工作，根据有关规定，结合{p}实际，现就有关事项通知如下。",
    "各单位要高度重视{s}，切实{a}组织领导，明确责任分工。",
    "{p}范围内的{s}由局办公室牵头，各处室配合{a}。",
    "自{y}年{m}月{d}日起，{s}实行线上办理，办理时限压缩至{n}个工作日。",
    "全年共完成{s}项目{n}个，涉及金额{n}.{m}万元。",
    "请于{m}月{d}日前将{s}情况报送局办公室，联系电话0577-88{n}{n}。",
    "对{s}中发现的问题，要及时{a}整改，确保取得实效。",
    "本通知自发布之日起施行，由{p}{s}工作领导小组负责解释。",
]
# Searches of every frequency: common two-character words, subjects and places (about 15% of the
# items each), two words together (a few percent), a 文号 (a handful), a word found nowhere.
SEARCH_WORDS = """
通知 采购 公告 预算 方案 垃圾分类 一卡通 智慧大院 鹿城区 新能源汽车 无障碍设施 温机管〔2020〕15号
保密审查 电梯维保 白蚁防治 二次供水 飞霞南路 不存在的词 鹿城区+垃圾分类 2019年+电梯维保
""".split()


def _fill(shape: str, rng: random.Random) -> str:
    return shape.format(
        s=rng.choice(SUBJECTS),
        p=rng.choice(PLACES),
        a=rng.choice(ACTIONS),
        y=rng.randint(2015, 2025),
        m=rng.randint(1, 12),
        d=rng.randint(1, 28),
        n=rng.randint(10, 99),
    )


def synthetic_item(rng: random.Random, seq: int) -> dict:
    """One plausible published item: a title, a 文号 (most of them), a few hundred characters
    of body about a handful of subjects."""
    published_on = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randint(0, 3800))
    year = published_on.year
    return {
        "title": _fill(rng.choice(TITLE_SHAPES), rng),
        "document_number": f"温机管〔{year}〕{rng.randint(1, 300)}号" if rng.random() < 0.6 else "",
        "index_number": f"{AGENCY_CODE}/{year}-{seq:06d}",
        "made_on": published_on - datetime.timedelta(days=rng.randint(0, 10)),
        "published_on": published_on,
        "body": "\n\n".join(
            "".join(_fill(rng.choice(SENTENCES), rng) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(2, 5))
        ),
    }


class Command(BaseCommand):
    help = (
        "公开网站压力测试：载入N条已发布信息（不足时补足），用gunicorn启动应用，"
        "用wrk以多个并发客户端测首页、列表、搜索和详情页的延迟。"
    )

    def add_arguments(self, parser):
        parser.add_argument("size", type=int, help="已发布信息条数，例如100000")
        parser.add_argument("--clients", type=int, default=20, help="并发客户端数（默认20）")
        parser.add_argument("--duration", type=int, default=20, help="每种页面测试秒数（默认20）")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn工作进程数（默认4）")
        parser.add_argument("--port", type=int, default=0, help="gunicorn端口（默认自动选择）")
        parser.add_argument("--load-only", action="store_true", help="只载入数据，不测试")
        parser.add_argument(
            "--no-page-cache",
            action="store_true",
            help="关闭公开页面缓存，每个请求都重新生成页面",
        )

    def handle(
        self, *args, size, clients, duration, workers, port, load_only, no_page_cache, **options
    ):
        if size < 1 or clients < 1 or workers < 1 or not 1 <= duration <= 600:
            raise CommandError("size、clients、workers须为正数，duration须在1到600秒之间。")
        agency = self._load(size)
        if load_only:
            return
        if not shutil.which("wrk"):
            raise CommandError("找不到wrk，请先安装：apt-get install wrk")
        published = Disclosure.objects.published().filter(agency=agency)
        total = published.count()
        scenarios = _scenarios(published, total)
        sizes = "、".join(f"{name.split()[0]}{len(paths)}个" for name, paths in scenarios.items())
        self.stdout.write(f"每种页面的不同网址数：{sizes}。")
        load_before = os.getloadavg()[0]
        results = self._measure(scenarios, port, workers, clients, duration, not no_page_cache)
        self.stdout.write(
            f"\n{connection.vendor}，{total}条已发布信息，{clients}个并发客户端，每种页面{duration}秒，"
            f"gunicorn {workers}个进程，本机回环，{os.cpu_count()}核，"
            f"测试前后1分钟负载 {load_before:.1f} / {os.getloadavg()[0]:.1f}，"
            f"公开页面缓存{'关闭' if no_page_cache else '开启（运行前清空）'}："
        )
        self._write_results(results, duration)
        errors = sum(r["errors"] + r["non2xx"] for r in results.values())
        if errors:
            raise CommandError(f"{errors}个请求出错。")

    def _measure(
        self,
        scenarios: dict[str, list[str]],
        port: int,
        workers: int,
        clients: int,
        duration: int,
        page_cache: bool,
    ) -> dict[str, dict]:
        """wrk's figures for each scenario, with the CPU used per request, on one gunicorn."""
        results = {}
        with _Gunicorn(self, port, workers, page_cache=page_cache) as server:
            for name, paths in scenarios.items():
                _wait_for_free_ports()
                # CPU used by the app (gunicorn workers) and by the database backends serving
                # them: the cost of a request, whatever else the machine is doing meanwhile.
                before = _cpu_seconds(server.pids())
                results[name] = _wrk(server.url, paths, clients, duration)
                after = _cpu_seconds(server.pids())
                used = sum(seconds - before.get(pid, 0) for pid, seconds in after.items())
                results[name]["cpu_ms"] = used * 1000 / max(1, results[name]["requests"])
        return results

    def _write_results(self, results: dict[str, dict], duration: int) -> None:
        """The table of figures, one line per scenario, and the targets."""
        self.stdout.write(
            f"{'页面':<10}{'请求/秒':>7}{'错误':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'CPU ms/请求':>12}{'缓存命中':>9}"
        )
        for name, r in results.items():
            self.stdout.write(
                f"{name:<10}{r['requests'] / duration:>9.1f}{r['errors'] + r['non2xx']:>6}"
                f"{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{r['cpu_ms']:>12.1f}"
                f"{r['hits'] * 100 / max(1, r['requests']):>10.0f}%"
            )
        self.stdout.write(
            "目标：列表和详情 p95 < 100 ms，搜索 p95 < 300 ms，无错误。"
            "“CPU ms/请求”为应用进程和数据库后端进程合计的CPU时间。"
        )

    def _load(self, size: int):
        agency, _ = services.agency_add(code=AGENCY_CODE, name=AGENCY_NAME)
        have = Disclosure.objects.filter(agency=agency).count()
        if have < size:
            self.stdout.write(f"载入{size - have}条合成信息……")
            started = time.monotonic()
            rng = random.Random(have)
            categories = list(Category.objects.all())
            for start in range(have, size, 2000):
                batch = [
                    Disclosure(
                        agency=agency,
                        category=rng.choice(categories),
                        status=Disclosure.Status.PUBLISHED,
                        **synthetic_item(rng, seq + 1),
                    )
                    for seq in range(start, min(size, start + 2000))
                ]
                with transaction.atomic():
                    Disclosure.objects.bulk_create(batch)
            public_changed()  # bulk_create() sends no signal
            self.stdout.write(f"载入完成，用时{time.monotonic() - started:.0f}秒。")
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility map, as autovacuum would leave them.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE disclosure_disclosure")
        return agency


def _scenarios(published, total: int) -> dict[str, list[str]]:
    """The URLs wrk picks from for each kind of page. Many different URLs of each kind, as a
    site's visitors ask for: most item pages and many searches are asked for once in a run, so
    the page cache serves only part of them."""
    ids = list(published.order_by("id").values_list("id", flat=True)[:: max(1, total // 20000)])
    years = sorted({d.year for d in published.dates("published_on", "year")})
    slugs = list(Category.objects.values_list("slug", flat=True))
    rng = random.Random(1)
    searches = SEARCH_WORDS + SUBJECTS + PLACES
    searches += [f"{rng.choice(PLACES)}+{rng.choice(SUBJECTS)}" for _ in range(100)]
    base = f"/{AGENCY_CODE}"
    return {
        "首页 home": [f"{base}/"],
        "列表 list": [f"{base}/items/?page={p}" for p in range(1, 101)]
        + [f"{base}/items/?category={s}&page={p}" for s in slugs for p in range(1, 6)]
        + [f"{base}/items/?year={y}&page={p}" for y in years for p in range(1, 4)],
        "搜索 search": [
            f"{base}/items/?{urllib.parse.urlencode({'q': w.replace('+', ' ')})}"
            for w in dict.fromkeys(searches)
        ],
        "详情 detail": [f"{base}/items/{pk}/" for pk in ids],
    }


class _Gunicorn:
    """gunicorn on loopback with the same settings (DEBUG off, static files collected to a
    temporary folder), stopped on exit."""

    def __init__(self, command, port: int, workers: int, page_cache: bool):
        self.command, self.port, self.workers = command, port, workers
        self.page_cache = page_cache

    def __enter__(self) -> "_Gunicorn":
        self.static_root = tempfile.mkdtemp(prefix="bench-static-")
        env = {
            **os.environ,
            "DEBUG": "0",
            "STATIC_ROOT": self.static_root,
            "LOG_LEVEL": "ERROR",
            "CONN_MAX_AGE": "600",  # steady state: no reconnections during the run
        }
        if not self.page_cache:
            env["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
        cache.clear()  # every page starts unrendered (the workers share this cache)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True)
        port = self.port or _free_port()
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "disclosure.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(self.workers), "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env=env,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/{AGENCY_CODE}/", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise CommandError("gunicorn没有启动。") from None
                time.sleep(0.3)
        self.url = url
        # Every worker opens its database connection on its first request.
        for _ in range(self.workers * 4):
            urllib.request.urlopen(f"{url}/{AGENCY_CODE}/items/", timeout=30).read()
        self.command.stdout.write(f"gunicorn已在{url}启动（{self.workers}个进程）。")
        return self

    def pids(self) -> list[int]:
        """The gunicorn master and workers, and the database backends they talk to."""
        pids = [self.process.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = open(f"/proc/{entry}/stat").read()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                pids += [pid for (pid,) in cursor.fetchall()]
        return pids

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.static_root, ignore_errors=True)


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each of these processes (Linux /proc), in seconds."""
    seconds = {}
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def _wait_for_free_ports(limit: int = 2000, timeout: int = 90) -> None:
    """gunicorn's sync workers close every connection, so wrk opens one per request; on loopback
    the closed ones hold their port for 60 s (TIME_WAIT). A run that starts while the previous
    one's ports are still held measures port exhaustion (connects stalling 1–3 s), not the app:
    wait until they are released."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/net/sockstat") as f:
                tcp = next(line for line in f if line.startswith("TCP:")).split()
        except (OSError, StopIteration):
            return
        if int(tcp[tcp.index("tw") + 1]) < limit:
            return
        time.sleep(2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrk(url: str, paths: list[str], clients: int, duration: int) -> dict:
    """Run wrk (bounded: ``duration`` seconds) with a Lua script picking a random path per
    request; the script prints the figures as one JSON line."""
    script = WRK_SCRIPT.replace("PATHS", ", ".join(json.dumps(p) for p in paths))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(clients), "-d", f"{duration}s", "--timeout", "10s",
             "-s", f.name, url],
            capture_output=True, text=True, check=True, timeout=duration + 60,
        ).stdout  # fmt: skip
    finally:
        os.unlink(f.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


# errors.status counts responses of 400 and above; a redirect would show in p50 (not expected).
WRK_SCRIPT = """
local paths = { PATHS }
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end
init = function(args)
  math.randomseed(os.time() * 100 + seed)
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
