"""The web surface's headers (issue 11, hardening): a Content-Security-Policy on every response
without inline script or style, checked in Chromium on every admin page of the URLconf and the
public pages; HSTS, secure cookies and the HTTPS redirect in the production environment, where
``check --deploy`` passes; and gunicorn's access log without query strings."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.test import SimpleTestCase, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from disclosure.devtools.demo import AGENCY_CODE, DEMO_USERS, load_demo
from disclosure.letters.services import letter_draft_create
from disclosure.models import Agency, Disclosure, DisclosureRequest
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_submit
from reports import services as report_services
from reports.models import Report
from tests.browser import ARTIFACTS, BrowserTestCase
from tests.factories import (
    ledger_csv,
    log_in,
    make_agency,
    make_attachment,
    make_case,
    make_disclosure,
    make_user,
    totp_for_secret,
)

BASE_DIR = Path(settings.BASE_DIR)

# What the policy must say, directive by directive.
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# The README's production environment (docs: "Production deployment") with HTTPS on.
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://ogi:secret@127.0.0.1:5432/ogi",
    "SECRET_KEY": "k8Qv2-production-like-secret-key-for-the-deploy-check-x7Ztw3LmN9pRs4uYb6",
    "ALLOWED_HOSTS": "gk.example.gov.cn",
    "HTTPS": "1",
}


def policy_of(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in header.split(";"))
    }


def clean_env(**extra) -> dict[str, str]:
    """The environment of a child process: none of this machine's settings variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "DEBUG", "HTTPS", "SECURE_COOKIES", "BEHIND_PROXY", "VAR_DIR"}
        and not key.startswith(("HSTS_", "DJANGO_"))
    }
    return {**env, **extra}


class ContentSecurityPolicyHeaderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(code="csp", name="测试机关")
        cls.superuser = make_user("root", superuser=True)

    def assert_policy(self, response):
        policy = policy_of(response)
        for directive, value in REQUIRED_DIRECTIVES.items():
            self.assertEqual(policy.get(directive), value, directive)
        self.assertNotIn("unsafe-inline", response["Content-Security-Policy"])
        self.assertNotIn("unsafe-eval", response["Content-Security-Policy"])

    def test_it_sends_the_policy_on_public_pages_and_errors(self):
        for path in ["/", "/csp/", "/csp/items/", "/no-such-agency/"]:
            with self.subTest(path=path):
                self.assert_policy(self.client.get(path))

    def test_it_sends_the_policy_on_admin_pages(self):
        self.assert_policy(self.client.get(reverse("admin:login")))
        log_in(self.client, self.superuser)
        for name in ["admin:index", "admin:disclosure_disclosurerequest_changelist"]:
            with self.subTest(name=name):
                self.assert_policy(self.client.get(reverse(name)))

    def test_it_keeps_the_stricter_sandbox_on_stored_files(self):
        attachment = make_attachment(make_disclosure(self.agency, status="draft"))
        log_in(self.client, self.superuser)
        response = self.client.get(f"/media/{attachment.file.name}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Security-Policy"], "sandbox")


class ProductionSettingsTests(SimpleTestCase):
    """The settings are read from the environment at start-up, so each case runs in a child
    process with that environment, as the server would."""

    def run_python(self, code: str, **env) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory() as var_dir:  # keys made on first use go there
            return subprocess.run(
                [sys.executable, "-c", code],
                cwd=BASE_DIR,
                env=clean_env(DJANGO_SETTINGS_MODULE="disclosure.settings", VAR_DIR=var_dir, **env),
                capture_output=True,
                text=True,
                timeout=120,
            )

    def check_deploy(self, **env) -> subprocess.CompletedProcess:
        return self.run_python(
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "call_command('check', deploy=True, fail_level='WARNING')\n",
            **env,
        )

    def test_it_passes_check_deploy_with_the_production_environment(self):
        result = self.check_deploy(**PRODUCTION_ENV)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no issues", result.stdout + result.stderr)

    def test_it_fails_check_deploy_without_https(self):
        result = self.check_deploy(**{**PRODUCTION_ENV, "HTTPS": "0"})
        self.assertNotEqual(result.returncode, 0)
        for check in ["security.W004", "security.W008", "security.W012", "security.W016"]:
            self.assertIn(check, result.stderr)

    def test_it_sends_hsts_secure_cookies_and_redirects_over_https(self):
        # A GET of the login page sets the CSRF cookie; no database is touched.
        result = self.run_python(
            "import django; django.setup()\n"
            "from django.test import Client\n"
            "c = Client(SERVER_NAME='gk.example.gov.cn')\n"
            "plain = c.get('/admin/login/')\n"
            "print('plain', plain.status_code, plain.get('Location'))\n"
            "health = c.get('/healthz')\n"
            "print('health', health.status_code, health.get('Location'))\n"
            "secure = c.get('/admin/login/', secure=True)\n"
            "print('secure', secure.status_code)\n"
            "print('hsts', secure['Strict-Transport-Security'])\n"
            "print('cookie', secure.cookies['csrftoken'].output())\n",
            **{
                **PRODUCTION_ENV,
                "DATABASE_URL": "sqlite://:memory:",
                "CACHE_URL": "none",
                "STATIC_MANIFEST": "0",  # no collectstatic here
            },
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        out = dict(line.split(" ", 1) for line in result.stdout.splitlines())
        self.assertEqual(out["plain"], "301 https://gk.example.gov.cn/admin/login/")
        self.assertFalse(out["health"].startswith("301"), out["health"])  # load balancer
        self.assertEqual(out["secure"], "200")
        self.assertEqual(out["hsts"], "max-age=31536000")
        self.assertIn("; Secure", out["cookie"])

    def test_it_stays_on_plain_http_by_default(self):
        result = self.run_python(
            "from django.conf import settings\n"
            "print(settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
            " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)\n",
            SECRET_KEY="x" * 50,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), ["False", "0", "False", "False"])


class AccessLogTests(SimpleTestCase):
    def test_it_logs_requests_without_query_strings_or_referrers(self):
        """The README's production command: gunicorn with gunicorn.conf.py and
        ``--access-logfile -``. A search for an applicant's name must not reach the log."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with tempfile.TemporaryDirectory() as var_dir:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "disclosure.wsgi"]
                + ["--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", "1", "--access-logfile", "-"],
                cwd=BASE_DIR,
                env=clean_env(SECRET_KEY="x" * 50, VAR_DIR=var_dir, CACHE_URL="none"),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/robots.txt?q=%E5%BC%A0%E4%B8%89&id=110101",
                    headers={"Referer": f"http://127.0.0.1:{port}/admin/?q=%E5%BC%A0%E4%B8%89"},
                )
                for _ in range(100):  # until gunicorn listens
                    try:
                        urllib.request.urlopen(request, timeout=5).read()
                        break
                    except OSError:
                        time.sleep(0.1)
                else:
                    self.fail("gunicorn did not start")
            finally:
                server.terminate()
                log, _ = server.communicate(timeout=30)
        line = next(line for line in log.splitlines() if "/robots.txt" in line)
        self.assertRegex(line, r'"GET /robots.txt HTTP/1.1" 200 \d+ \d+ms "Python-urllib/')
        for secret in ["?", "q=", "%E5", "张三", "110101", "/admin/"]:
            self.assertNotIn(secret, line)


# Every named admin URL is visited by the browser test (a download or a POST-only action is
# recognised and passed over), so a new admin page is checked without being listed here.
ADMIN_NOT_VISITED = {
    "view_on_site": "a redirect to a public page (those are visited)",
}


def admin_url_patterns(patterns=None):
    """Every named URL pattern under the admin, nested includes unfolded."""
    if patterns is None:
        root = get_resolver().url_patterns
        patterns = next(p for p in root if getattr(p, "namespace", None) == "admin").url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from admin_url_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern


class AdminAndPublicPagesInBrowserTests(BrowserTestCase):
    """One test (see tests/test_browser_public.py for why): a superuser opens every admin page
    of the URLconf, then a visitor the public pages; any CSP violation Chromium reports in the
    console fails the test."""

    def setUp(self):
        load_demo()
        self.agency = Agency.objects.get(code=AGENCY_CODE)
        Agency.objects.create(code="dept", name="温州市机关事务管理局下属处室", parent=self.agency)
        item = Disclosure.objects.get(title="关于开展垃圾分类工作的通知")
        make_attachment(item, title="实施细则", name="rules.pdf")
        make_case(self.agency, request=DisclosureRequest.objects.filter(agency=self.agency).first())
        decided = DisclosureRequest.objects.filter(agency=self.agency, decided_on__isnull=False)
        letter_draft_create(request=decided.exclude(outcome="other").first(), kind="decision")
        application_submit(  # the 网上申请 queue's pages (docs/online.md)
            application=OnlineApplication(
                agency=self.agency,
                applicant_kind="citizen",
                applicant_type="natural_person",
                name="网上申请人",
                id_type="passport",
                id_number="E12345678",
                phone="13900000000",
                address="温州市某路1号",
                description="网上申请的内容",
                form_wanted="paper",
                delivery="pickup",
                consent=True,
            )
        )
        self.report = report_services.report_publish(
            report=Report.objects.get(agency=self.agency, year=2020),
            user=make_user("publisher", superuser=True),
        )
        self.violations: list[str] = []
        self.page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.set_default_timeout(15000)
        self.page.on("console", self._console)

    def tearDown(self):
        self.page.close()

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def visit(self, path, *, shot=None):
        """Open a page; None for a URL that answers with no page (a download, a script, JSON,
        405 for a POST-only action), found by asking first without the browser."""
        url = self.live_server_url + path
        probe = self.page.request.get(url)
        if probe.status == 405 or not probe.headers["content-type"].startswith("text/html"):
            return None
        response = self.page.goto(url)
        self.page.evaluate("1")  # the console events of the load have arrived
        if shot:
            self.page.screenshot(path=str(ARTIFACTS / f"csp-{shot}.png"), full_page=True)
        return response

    def object_for(self, url_name):
        """The object an admin URL of this name is about (the decided request for the letter)."""
        for model in admin.site._registry:
            if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
                if model is DisclosureRequest:
                    found = model.objects.filter(decided_on__isnull=False).exclude(outcome="")
                else:
                    found = model._default_manager.order_by("pk")
                obj = found.first()
                self.assertIsNotNone(obj, f"{url_name}: no {model.__name__} in the test data")
                return obj
        raise AssertionError(
            f"{url_name}: which object? Add it to object_for or ADMIN_NOT_VISITED."
        )

    def admin_paths(self):
        """(name, path) of every named admin URL but ADMIN_NOT_VISITED, its arguments filled in."""
        for pattern in admin_url_patterns():
            if pattern.name not in ADMIN_NOT_VISITED:
                arguments = self.arguments_for(pattern.name, pattern.pattern)
                yield pattern.name, reverse(f"admin:{pattern.name}", **arguments)

    def arguments_for(self, name, route):
        if isinstance(route, RegexPattern):
            regex = route.regex
            if "app_label" in regex.groupindex:  # an app's index
                return {"kwargs": {"app_label": "disclosure"}}
            if regex.groups == 0:
                return {}
            if regex.groups == 2:  # simple_history: one past version of an object
                obj = self.object_for(name)
                return {"args": [obj.pk, obj.history.order_by("history_id")[0].history_id]}
        else:
            params = list(route.converters)
            if not params:
                return {}
            if len(params) == 1 and params[0] in {"object_id", "pk", "id"}:
                return {"kwargs": {params[0]: self.object_for(name).pk}}
        raise AssertionError(f"{name}: which arguments? Add them or the name to ADMIN_NOT_VISITED.")

    def log_in(self):
        """The demo superuser: one wrong password first (the lockout list then has a row to
        show), the right one, then the authenticator is set up with the key on the page."""
        username, password = DEMO_USERS[0][:2]
        self.visit(reverse("admin:login"), shot="admin-login")
        for attempt in ("wrong-Password-1", password):
            self.page.get_by_label("用户名").fill(username)
            self.page.get_by_label("密码").fill(attempt)
            self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url("**/admin/otp/setup/**")
        self.page.evaluate("1")  # the console events of the load have arrived
        secret = self.page.locator("#otp-secret").inner_text()
        self.page.get_by_label("动态口令").fill(totp_for_secret(secret))
        self.page.get_by_role("button", name="绑定").click()
        self.page.wait_for_url("**/admin/otp/?next=*")
        self.page.evaluate("1")
        self.page.get_by_role("link", name="已保存，继续").click()
        self.page.wait_for_url("**/admin/")

    def test_it_reports_no_csp_violation_on_any_admin_or_public_page(self):
        self.log_in()
        shots = {
            "index": "admin-index",
            "disclosure_disclosurerequest_dashboard": "admin-dashboard",
            "disclosure_disclosurerequest_change": "admin-request",
            "disclosure_disclosure_changelist": "admin-items",
            "disclosure_disclosurerequest_letter": "admin-letter",
            "disclosure_letter_change": "admin-letter-draft",
            "disclosure_calendaryear_fill": "admin-calendar-fill",
            "reports_report_preview": "admin-report",
            "disclosure_disclosurerequest_import": "admin-import",
        }
        shown = []
        for name, path in self.admin_paths():
            response = self.visit(path, shot=shots.get(name))
            if response is None:
                continue
            # Who may see what is tests/ of each feature; here a refused page (a report's
            # delete view, an "add" that makes no sense) is checked like any other.
            self.assertLess(response.status, 500, f"{name} {path}")
            if response.status == 200:
                shown.append(name)
        self.assertLessEqual(set(shots), set(shown))
        self.assertGreater(len(shown), 60)
        self.assertEqual(self.violations, [], "\n".join(self.violations))

        self.use_the_admin_scripts()
        self.assertEqual(self.violations, [], "\n".join(self.violations))

        self.page.context.clear_cookies()  # a visitor
        code = AGENCY_CODE
        public = [
            ("/", "public-agencies"),
            (f"/{code}/", "public-home"),
            (f"/{code}/items/?q=垃圾分类", None),
            (f"/{code}/items/{Disclosure.objects.filter(agency=self.agency).first().pk}/", None),
            (f"/{code}/reports/", None),
            (f"/{code}/reports/{self.report.year}/", "public-report"),
            (f"/{code}/apply/", "public-apply"),
            (f"/{code}/apply/status/", None),
            ("/no-such-agency/", None),
        ]
        for path, shot in public:
            self.visit(path, shot=shot)
        self.assertEqual(self.violations, [], "\n".join(self.violations))

    def use_the_admin_scripts(self):
        """What the admin's scripts do after the load: the date picker, the autocomplete, a new
        inline row, the ledger import's preview with its changed cells."""
        page = self.page
        self.visit(reverse("admin:disclosure_disclosurerequest_add"))
        page.locator(".datetimeshortcuts a").nth(1).click()  # the calendar
        page.locator(".calendarbox .calendar").first.wait_for()
        self.visit(reverse("admin:disclosure_disclosure_add"))
        page.locator(".select2-selection").first.click()
        page.locator(".select2-results__option").first.wait_for()
        page.locator(".add-row a").first.click()
        page.locator(".dynamic-attachments").first.wait_for()

        request = DisclosureRequest.objects.filter(agency=self.agency).first()
        self.visit(reverse("admin:disclosure_disclosurerequest_import"))
        header = ["申请编号", "收到申请日期", "申请人类型", "申请人"]
        row = [request.number, request.received_on.isoformat(), "自然人", "李四"]
        page.set_input_files(
            "input[name=import_file]",
            files=[
                {"name": "台账.csv", "mimeType": "text/csv", "buffer": ledger_csv([header, row])}
            ],
        )
        page.locator("select[name=agency]").select_option(str(self.agency.pk))
        page.locator("input[name=update]").check()
        page.locator("input[type=submit]").first.click()
        page.locator("ins.ledger-new").first.wait_for()
        page.evaluate("1")
        page.screenshot(path=str(ARTIFACTS / "csp-admin-import-preview.png"), full_page=True)
