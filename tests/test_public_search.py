"""Search over published items: Chinese substring matching, both ways of finding the hits."""

import datetime
import unittest
from urllib.parse import urlencode

from django.db import connection
from django.test import TestCase
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from disclosure.models import Category, Disclosure
from disclosure.public import search
from tests.factories import make_agency, make_disclosure


def search_url(agency, **params):
    return f"{reverse('disclosure:item_list', args=[agency.code])}?{urlencode(params)}"


class SearchPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        make_disclosure(cls.agency, title="关于开展垃圾分类工作的通知", category="notice")
        make_disclosure(
            cls.agency,
            title="办公用房管理办法",
            category="policy",
            document_number="温机管〔2020〕3号",
            index_number="wzjgsw/2020-00007",
        )
        make_disclosure(cls.agency, title="部门预算", body="本年度食堂外卖服务的收费标准如下。")
        make_disclosure(cls.agency, title="APP上线公告", body="“智慧大院”APP试运行")
        make_disclosure(cls.agency, title="草稿里的垃圾分类", status="draft")
        make_disclosure(make_agency("other"), title="别的机关的垃圾分类")

    def titles(self, **params):
        response = self.client.get(search_url(self.agency, **params))
        self.assertEqual(response.status_code, 200)
        return [item.title for item in response.context["items"]]

    def test_it_finds_a_two_character_word_inside_a_sentence(self):
        self.assertEqual(self.titles(q="分类"), ["关于开展垃圾分类工作的通知"])

    def test_it_searches_the_document_number_index_number_and_body(self):
        self.assertEqual(self.titles(q="〔2020〕3号"), ["办公用房管理办法"])
        self.assertEqual(self.titles(q="2020-00007"), ["办公用房管理办法"])
        self.assertEqual(self.titles(q="外卖服务"), ["部门预算"])

    def test_it_requires_every_term(self):
        self.assertEqual(self.titles(q="垃圾 通知"), ["关于开展垃圾分类工作的通知"])
        self.assertEqual(self.titles(q="垃圾 预算"), [])

    def test_it_ignores_latin_case(self):
        self.assertEqual(self.titles(q="app"), ["APP上线公告"])

    def test_it_matches_percent_and_underscore_literally(self):
        make_disclosure(self.agency, title="完成率100%的项目")
        make_disclosure(self.agency, title="文件_v2")
        self.assertEqual(self.titles(q="100%"), ["完成率100%的项目"])
        self.assertEqual(self.titles(q="e_v"), [])
        self.assertEqual(self.titles(q="件_v"), ["文件_v2"])
        self.assertEqual(self.titles(q="%%"), [])

    def test_it_combines_with_the_category_filter(self):
        self.assertEqual(self.titles(q="管理", category="policy"), ["办公用房管理办法"])
        self.assertEqual(self.titles(q="管理", category="notice"), [])

    def test_it_refuses_one_character_terms_with_a_clear_message(self):
        response = self.client.get(search_url(self.agency, q="垃圾 的"))
        self.assertContains(response, "关键词至少2个字：“的”太短")
        self.assertEqual(response.context["terms"], [])

    def test_it_shows_the_terms_and_the_count(self):
        response = self.client.get(search_url(self.agency, q="分类"))
        self.assertContains(response, "检索“分类”")
        self.assertContains(response, "共1条")

    def test_it_is_a_404_past_the_last_page(self):
        response = self.client.get(search_url(self.agency, q="分类", page=2))
        self.assertEqual(response.status_code, 404)

    def test_it_never_finds_drafts_or_other_agencies_items(self):
        self.assertEqual(self.titles(q="垃圾"), ["关于开展垃圾分类工作的通知"])


class SearchStrategyTests(TestCase):
    """Many items: a common word fills its page from the newest items; a rare word goes
    through the index (the bigram GIN index on PostgreSQL); both give the same answers."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("big", "大机关")
        category = Category.objects.get(slug="notice")
        day = datetime.date(2015, 1, 1)
        items = []
        for n in range(1200):
            title = f"关于第{n}号事项的通知"
            if n % 97 == 0:
                title += "（节能降耗）"
            items.append(
                Disclosure(
                    agency=cls.agency,
                    category=category,
                    status="published",
                    title=title,
                    published_on=day + datetime.timedelta(days=n),
                    body="正文" * 20,
                )
            )
        Disclosure.objects.bulk_create(items)
        cls.published = Disclosure.objects.published().filter(agency=cls.agency)

    def expected(self, word):
        return [
            d.pk
            for d in self.published.order_by("-published_on", "-id")
            if word in d.title or word in d.body
        ]

    def test_it_pages_through_a_common_word_from_the_newest_items(self):
        result = search.disclosure_search(queryset=self.published, terms=["通知"], page=2)
        self.assertIsNone(result.total)  # not counted: too many hits
        self.assertTrue(result.page.has_next())
        self.assertEqual([d.pk for d in result.items], self.expected("通知")[20:40])

    def test_it_finds_a_rare_word_through_the_index(self):
        result = search.disclosure_search(queryset=self.published, terms=["节能降耗"], page=1)
        expected = self.expected("节能降耗")
        self.assertEqual(result.total, len(expected))
        self.assertEqual(result.total, 13)
        self.assertEqual([d.pk for d in result.items], expected)
        self.assertFalse(result.page.has_next())

    @unittest.skipUnless(connection.vendor == "postgresql", "the bigram index is PostgreSQL's")
    def test_it_stops_testing_the_index_candidates_once_the_page_is_full(self):
        # 通知 is in every item, but the page asked for lies beyond the newest 500: the first
        # 500 of the 1,200 candidates fill page 26, so the total is not counted.
        result = search.disclosure_search(queryset=self.published, terms=["通知"], page=26)
        self.assertIsNone(result.total)
        self.assertTrue(result.page.has_next())
        self.assertEqual([d.pk for d in result.items], self.expected("通知")[500:520])

    def test_it_reaches_a_page_beyond_the_newest_items(self):
        result = search.disclosure_search(queryset=self.published, terms=["通知"], page=50)
        self.assertEqual(result.total, 1200)
        self.assertEqual([d.pk for d in result.items], self.expected("通知")[980:1000])

    def test_it_runs_a_bounded_number_of_queries(self):
        # capped count of the items, hits among the newest 100, then among the next 400, then
        # (PostgreSQL) the index's candidates and the hits among them, or (SQLite) every hit,
        # then the page's rows
        with self.assertNumQueries(6 if connection.vendor == "postgresql" else 5):
            search.disclosure_search(queryset=self.published, terms=["节能降耗"], page=1)
        with self.assertNumQueries(3):
            search.disclosure_search(queryset=self.published, terms=["通知"], page=1)

    @unittest.skipUnless(connection.vendor == "postgresql", "the bigram index is PostgreSQL's")
    def test_it_uses_the_bigram_index_on_postgresql(self):
        hits = search.matching(self.published, ["节能降耗"]).filter(
            search.HasAllBigrams(["节能降耗"])
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE disclosure_disclosure")  # the planner's view of 1,200 rows
        plan = hits.explain()
        self.assertIn("disclosure_search_idx", plan)


@unittest.skipUnless(connection.vendor == "postgresql", "the bigram functions are PostgreSQL's")
class BigramFunctionTests(HypothesisTestCase):
    """Whatever the text, a substring's bigrams are among the text's indexed bigrams, or the
    index would miss a hit."""

    alphabet = st.sampled_from(list("政府信息公开通知的年aAbB1 \n\t%_\\'〔〕\x1f"))

    @settings(max_examples=200, deadline=None)
    @given(text=st.text(alphabet, max_size=40), data=st.data())
    def test_it_indexes_every_bigram_of_every_substring(self, text, data):
        if len(text) < 2:
            return
        start = data.draw(st.integers(0, len(text) - 2))
        end = data.draw(st.integers(start + 2, len(text)))
        word = text[start:end]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT disclosure_search_bigrams(lower(%s))"
                " @> disclosure_query_bigrams(lower(%s))",
                [text, word],
            )
            self.assertTrue(cursor.fetchone()[0], (text, word))

    def test_it_ignores_bigrams_with_whitespace_in_the_query(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT disclosure_query_bigrams('垃圾 分类')")
            self.assertEqual(sorted(cursor.fetchone()[0]), ["分类", "垃圾"])


class ElasticPaginatorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        agency = make_agency()
        for _ in range(30):
            make_disclosure(agency)
        cls.items = Disclosure.objects.filter(agency=agency).order_by("id")

    def test_it_counts_exactly_within_reach(self):
        paginator = search.ElasticPaginator(self.items, 10, page_number=1)
        self.assertEqual((paginator.count, paginator.more, paginator.num_pages), (30, False, 3))

    def test_it_stops_counting_past_the_lookahead(self):
        paginator = search.ElasticPaginator(self.items, 2, page_number=2)
        self.assertEqual((paginator.count, paginator.more, paginator.num_pages), (24, True, 12))
        further = search.ElasticPaginator(self.items, 2, page_number=12)
        self.assertEqual((further.count, further.more), (30, False))
        self.assertTrue(further.page(12).has_next())
