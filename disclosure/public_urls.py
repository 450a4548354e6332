"""The public site (政府信息公开). Every view here starts from ``.published()``."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import public
from .feeds import ItemsAtomFeed, ItemsFeed
from .sitemaps import SITEMAPS

app_name = "disclosure"

urlpatterns = [
    path("", public.home, name="home"),
    path("robots.txt", public.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "disclosure:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("<slug:code>/", public.agency_home, name="agency_home"),
    path("<slug:code>/items/", public.ItemListView.as_view(), name="item_list"),
    path("<slug:code>/items/<int:pk>/", public.ItemDetailView.as_view(), name="item_detail"),
    path(
        "<slug:code>/items/<int:pk>/attachments/<int:attachment_pk>/",
        public.attachment_download,
        name="attachment_download",
    ),
    path("<slug:code>/reports/", public.report_list, name="report_list"),
    path("<slug:code>/reports/<int:year>/", public.report_detail, name="report_detail"),
    path(
        "<slug:code>/reports/<int:year>/v<int:version>/",
        public.report_detail,
        name="report_version",
    ),
    path(
        "<slug:code>/reports/<int:year>/v<int:version>.pdf",
        public.report_pdf,
        name="report_pdf",
    ),
    path("<slug:code>/feed/rss/", ItemsFeed(), name="feed_rss"),
    path("<slug:code>/feed/atom/", ItemsAtomFeed(), name="feed_atom"),
    path("<slug:code>/feed/<slug:slug>/rss/", ItemsFeed(), name="category_feed_rss"),
    path("<slug:code>/feed/<slug:slug>/atom/", ItemsAtomFeed(), name="category_feed_atom"),
]
