"""RSS and Atom feeds per agency and per category, sitemap.xml and robots.txt."""

import datetime
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from unittest import mock

from django.test import TestCase
from django.urls import reverse

from disclosure.public.sitemaps import ItemSitemap
from tests.factories import make_agency, make_disclosure, make_report_version

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EVIL_BODY = '<script>alert(1)</script><img src=x onerror="alert(2)">'


class HtmlReader(HTMLParser):
    """What a feed reader makes of a description: its elements and its text."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


class FeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        for n in range(25):
            make_disclosure(
                cls.agency,
                title=f"通知{n:02d}",
                published_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
                body="正文" * 200,
            )
        cls.policy = make_disclosure(
            cls.agency, title="政策一", category="policy", document_number="温机管〔2020〕1号"
        )
        make_disclosure(cls.agency, title="草稿条目", status="draft")
        make_disclosure(cls.agency, title="撤回条目", status="withdrawn")
        make_disclosure(make_agency("other"), title="别的机关条目")

    def rss_titles(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("application/rss+xml", response["Content-Type"])
        channel = ET.fromstring(response.content).find("channel")
        return channel, [item.findtext("title") for item in channel.findall("item")]

    def test_it_lists_the_twenty_newest_published_items_of_the_agency(self):
        channel, titles = self.rss_titles(reverse("disclosure:feed_rss", args=["wzjgsw"]))
        self.assertEqual(channel.findtext("title"), "温州市机关事务管理局 · 政府信息公开")
        self.assertEqual(len(titles), 20)
        self.assertEqual(titles[0], "政策一")  # published 1 April 2020, the newest
        self.assertEqual(titles[1], "通知24")
        for secret in ["草稿条目", "撤回条目", "别的机关条目"]:
            self.assertNotIn(secret, titles)
        item = channel.find("item")
        self.assertEqual(
            item.findtext("link"),
            "http://testserver"
            + reverse("disclosure:item_detail", args=["wzjgsw", self.policy.pk]),
        )
        self.assertIn("温机管〔2020〕1号", item.findtext("description"))
        self.assertEqual(item.findtext("category"), "政策文件")

    def test_it_has_a_feed_per_category(self):
        channel, titles = self.rss_titles(
            reverse("disclosure:category_feed_rss", args=["wzjgsw", "policy"])
        )
        self.assertEqual(titles, ["政策一"])
        self.assertEqual(channel.findtext("title"), "温州市机关事务管理局 · 政策文件")

    def test_it_serves_atom_too(self):
        response = self.client.get(reverse("disclosure:feed_atom", args=["wzjgsw"]))
        self.assertIn("application/atom+xml", response["Content-Type"])
        feed = ET.fromstring(response.content)
        entries = feed.findall(f"{ATOM}entry")
        self.assertEqual(len(entries), 20)
        self.assertEqual(entries[0].findtext(f"{ATOM}title"), "政策一")
        self.assertTrue(
            entries[0].findtext(f"{ATOM}published").startswith("2020-04-01T00:00:00+08:00")
        )
        response = self.client.get(
            reverse("disclosure:category_feed_atom", args=["wzjgsw", "notice"])
        )
        self.assertEqual(len(ET.fromstring(response.content).findall(f"{ATOM}entry")), 20)

    def test_it_is_a_404_for_an_unknown_agency_or_category(self):
        self.assertEqual(self.client.get("/nope/feed/rss/").status_code, 404)
        self.assertEqual(self.client.get("/wzjgsw/feed/nope/rss/").status_code, 404)

    def test_it_gives_readers_a_body_with_markup_as_text(self):
        make_disclosure(
            self.agency,
            title="带标记的正文",
            published_on=datetime.date(2020, 5, 1),
            body=f"第一段{EVIL_BODY}\n\n第二段",
        )
        rss = ET.fromstring(self.client.get("/wzjgsw/feed/rss/").content)
        atom = ET.fromstring(self.client.get("/wzjgsw/feed/atom/").content)
        entry = atom.find(f"{ATOM}entry")
        self.assertEqual(entry.find(f"{ATOM}summary").get("type"), "html")
        for description in [
            rss.find("channel/item").findtext("description"),
            entry.findtext(f"{ATOM}summary"),
        ]:
            reader = HtmlReader(description)
            self.assertEqual(reader.tags, ["p", "p"])  # the paragraphs, no <script>, no <img>
            paragraphs = [text for text in reader.text if text.strip()]
            self.assertEqual(paragraphs, [f"第一段{EVIL_BODY}", "第二段"])

    def test_pages_advertise_the_feeds(self):
        response = self.client.get(reverse("disclosure:agency_home", args=["wzjgsw"]))
        self.assertContains(response, 'type="application/rss+xml"')
        self.assertContains(response, 'type="application/atom+xml"')


class SitemapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.item = make_disclosure(cls.agency, title="公开条目")
        cls.draft = make_disclosure(cls.agency, title="草稿条目", status="draft")

    def locations(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        root = ET.fromstring(response.content)
        return [loc.text.removeprefix("http://testserver") for loc in root.iter(f"{SITEMAP}loc")]

    def test_it_indexes_agency_pages_items_and_reports(self):
        make_report_version(self.agency, year=2020)
        sections = self.locations(reverse("disclosure:sitemap"))
        self.assertEqual(
            sections, ["/sitemap-agencies.xml", "/sitemap-items.xml", "/sitemap-reports.xml"]
        )
        self.assertEqual(
            self.locations("/sitemap-agencies.xml"),
            ["/wzjgsw/", "/wzjgsw/items/", "/wzjgsw/reports/"],
        )
        self.assertEqual(self.locations("/sitemap-items.xml"), [self.item.get_absolute_url()])
        self.assertEqual(self.locations("/sitemap-reports.xml"), ["/wzjgsw/reports/2020/v1/"])

    def test_it_pages_the_items(self):
        for _ in range(3):
            make_disclosure(self.agency)
        with mock.patch.object(ItemSitemap, "limit", 2):
            sections = self.locations(reverse("disclosure:sitemap"))
            self.assertIn("/sitemap-items.xml?p=2", sections)
            self.assertEqual(len(self.locations("/sitemap-items.xml?p=2")), 2)

    def test_robots_txt_points_at_the_sitemap(self):
        response = self.client.get("/robots.txt")
        self.assertContains(response, "Sitemap: http://testserver/sitemap.xml")
        self.assertContains(response, "Disallow: /admin/")
