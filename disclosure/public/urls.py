"""The public site (政府信息公开). Every view here starts from ``.published()``; the pages are
served through the public page cache (``pagecache.public_page``), downloads are not."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import public
from .feeds import ItemsAtomFeed, ItemsFeed
from .pagecache import public_page
from .sitemaps import SITEMAPS

app_name = "disclosure"

urlpatterns = [
    path("", public_page(public.home), name="home"),
    path("robots.txt", public.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "disclosure:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("<slug:code>/", public_page(public.agency_home), name="agency_home"),
    path("<slug:code>/items/", public_page(public.ItemListView.as_view()), name="item_list"),
    path(
        "<slug:code>/items/<int:pk>/",
        public_page(public.ItemDetailView.as_view()),
        name="item_detail",
    ),
    path(
        "<slug:code>/items/<int:pk>/attachments/<int:attachment_pk>/",
        public.attachment_download,
        name="attachment_download",
    ),
    path("<slug:code>/reports/", public_page(public.report_list), name="report_list"),
    path(
        "<slug:code>/reports/<int:year>/", public_page(public.report_detail), name="report_detail"
    ),
    path(
        "<slug:code>/reports/<int:year>/v<int:version>/",
        public_page(public.report_detail),
        name="report_version",
    ),
    path(
        "<slug:code>/reports/<int:year>/v<int:version>.pdf",
        public.report_pdf,
        name="report_pdf",
    ),
    path("<slug:code>/feed/rss/", public_page(ItemsFeed()), name="feed_rss"),
    path("<slug:code>/feed/atom/", public_page(ItemsAtomFeed()), name="feed_atom"),
    path("<slug:code>/feed/<slug:slug>/rss/", public_page(ItemsFeed()), name="category_feed_rss"),
    path(
        "<slug:code>/feed/<slug:slug>/atom/",
        public_page(ItemsAtomFeed()),
        name="category_feed_atom",
    ),
]
