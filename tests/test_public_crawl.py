"""Crawl every public URL reachable from the home page, the feeds and the sitemap, with the demo
data, a published report and synthetic records full of secrets (applicants' personal data,
drafts, withdrawn and future items, their attachments, an unpublished report), and find none
of the secrets."""

import datetime
import xml.etree.ElementTree as ET
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone

from disclosure.devtools.demo import AGENCY_CODE, load_demo
from disclosure.devtools.demo_report import load_demo_report
from disclosure.models import Agency, Disclosure
from reports import services as report_services
from reports.models import Report
from tests.factories import make_agency, make_attachment, make_case, make_disclosure, make_request

SECRETS = {
    "applicant_name": "欧阳机密",
    "applicant_id_number": "330302199001011234",
    "applicant_phone": "13912345678",
    "applicant_address": "鹿城区机密路88号",
    "applicant_email": "secret.applicant@example.com",
    "subject": "申请公开机密甲事项的全部材料",
    "notes": "承办人内部意见机密",
    "case_notes": "复议案件机密备注",
    "draft_title": "草稿机密标题",
    "draft_body": "草稿机密正文内容",
    "draft_attachment": "DRAFT-ATTACHMENT-SECRET",
    "draft_attachment_title": "草稿附件机密名",
    "withdrawn_title": "已撤回机密标题",
    "withdrawn_attachment": "WITHDRAWN-ATTACHMENT-SECRET",
    "future_title": "明日才发布的机密标题",
    "draft_report": "未发布年度报告的机密叙述",
    "demo_applicant": "演示申请人",
}

SKIP_PREFIXES = ("/admin/", "/static/")


class LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.links.append(value)


def local_path(url: str) -> str | None:
    url = urldefrag(url)[0]
    parts = urlsplit(url)
    if parts.scheme and parts.netloc != "testserver":
        return None
    if url.startswith(("mailto:", "javascript:")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(path: str, response) -> list[str]:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    links = []
    if content_type.startswith("text/html"):
        parser = LinkParser()
        parser.feed(body.decode())
        for link in parser.links:
            if link.startswith("?"):
                link = urlsplit(path).path + link
            links.append(link)
    elif "xml" in content_type:
        root = ET.fromstring(body)
        for element in root.iter():
            if element.tag.endswith("}loc") or element.tag in ("link", "loc"):
                links.append(element.text or "")
            if element.get("href"):
                links.append(element.get("href"))
    return links


class CrawlTests(TestCase):
    def setUp(self):
        # Files (attachments, the report PDF) go to each test's MEDIA_ROOT: made here.
        load_demo()
        demo = Agency.objects.get(code=AGENCY_CODE)
        manager = get_user_model().objects.get(username="manager")
        report_services.report_publish(report=load_demo_report(demo), user=manager)

        make_disclosure(demo, title=SECRETS["draft_title"], status="draft", body="x")
        secret = make_agency("secret", "另一个机关")
        public = make_disclosure(secret, title="另一个机关的公开信息", body="公开正文")
        make_attachment(public, title="公开附件", name="public.txt", content=b"public file")
        draft = make_disclosure(
            secret, title="某草稿", status="draft", body=SECRETS["draft_body"], category="policy"
        )
        make_attachment(
            draft,
            title=SECRETS["draft_attachment_title"],
            name="draft.txt",
            content=SECRETS["draft_attachment"].encode(),
        )
        withdrawn = make_disclosure(
            secret,
            title=SECRETS["withdrawn_title"],
            status="withdrawn",
            published_on=datetime.date(2020, 5, 1),
        )
        make_attachment(withdrawn, content=SECRETS["withdrawn_attachment"].encode())
        make_disclosure(
            secret,
            title=SECRETS["future_title"],
            published_on=timezone.localdate() + datetime.timedelta(days=1),
        )
        for agency in (demo, secret):
            request = make_request(
                agency,
                applicant_name=SECRETS["applicant_name"],
                applicant_id_number=SECRETS["applicant_id_number"],
                applicant_phone=SECRETS["applicant_phone"],
                applicant_address=SECRETS["applicant_address"],
                applicant_email=SECRETS["applicant_email"],
                subject=SECRETS["subject"],
                notes=SECRETS["notes"],
            )
            make_case(agency, request=request, notes=SECRETS["case_notes"])
        Report.objects.create(
            agency=secret, year=2021, template="2021", overview=SECRETS["draft_report"]
        )
        self.agencies = [demo, secret]

    def crawl(self) -> dict[str, int]:
        start = ["/", "/robots.txt", "/sitemap.xml"]
        for agency in self.agencies:
            base = f"/{agency.code}/"
            start += [f"{base}feed/rss/", f"{base}feed/atom/", f"{base}feed/policy/rss/"]
        seen, queue, statuses = set(start), deque(start), {}
        while queue:
            path = queue.popleft()
            response = self.client.get(path)
            statuses[path] = response.status_code
            self.assertIn(response.status_code, (200, 302), path)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            leaked = [name for name, secret in SECRETS.items() if secret.encode() in body]
            self.assertEqual(leaked, [], f"leaked at {path}")
            links = [response["Location"]] if response.status_code == 302 else []
            if response.status_code == 200 and not response.streaming:
                links += links_in(path, response)
            for link in links:
                target = local_path(link)
                if target and not target.startswith(SKIP_PREFIXES) and target not in seen:
                    seen.add(target)
                    queue.append(target)
            self.assertLess(len(seen), 3000, "the crawl does not end")
        return statuses

    def test_it_finds_no_secret_on_any_public_url(self):
        statuses = self.crawl()
        visited = set(statuses)
        # The crawl really covered the site: every published item page, both agency homes,
        # the report's page and PDF, the public attachment.
        for item in Disclosure.objects.published():
            self.assertIn(item.get_absolute_url(), visited)
        self.assertIn(f"/{AGENCY_CODE}/reports/2020/", visited)
        self.assertIn(f"/{AGENCY_CODE}/reports/2020/v1.pdf", visited)
        self.assertIn("/secret/", visited)
        self.assertTrue(any("/attachments/" in path for path in visited))
        self.assertTrue(any("page=2" in path for path in visited))

    def test_searching_for_a_secret_finds_nothing(self):
        for agency in self.agencies:
            for name, secret in SECRETS.items():
                with self.subTest(agency=agency.code, secret=name):
                    url = f"/{agency.code}/items/?{urlencode({'q': secret})}"
                    response = self.client.get(url)
                    self.assertEqual(list(response.context["items"]), [])

    def test_unpublished_items_and_their_attachments_are_404_when_asked_directly(self):
        for item in Disclosure.objects.exclude(pk__in=Disclosure.objects.published()):
            with self.subTest(title=item.title):
                self.assertEqual(self.client.get(item.get_absolute_url()).status_code, 404)
                for attachment in item.attachments.all():
                    url = f"{item.get_absolute_url()}attachments/{attachment.pk}/"
                    self.assertEqual(self.client.get(url).status_code, 404)
