"""The public site (政府信息公开). Every view here starts from ``.published()``; the pages are
served through the public page cache (``pagecache.public_page``), downloads are not. The project
URLconf (``disclosure.urls``) mounts these with the report archive under the ``disclosure``
namespace."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import views as public
from .feeds import ItemsAtomFeed, ItemsFeed
from .pagecache import public_page

# The query parameters of the item list (the filter form and the page); every other page of the
# site reads none. The page cache drops the rest (see pagecache.public_page).
ITEM_LIST_PARAMS = (*public.FilterForm.base_fields, "page")

urlpatterns = [
    path("", public_page(public.home), name="home"),
    path("robots.txt", public.robots_txt, name="robots_txt"),
    path("<slug:code>/", public_page(public.agency_home), name="agency_home"),
    path(
        "<slug:code>/items/",
        public_page(public.ItemListView.as_view(), params=ITEM_LIST_PARAMS),
        name="item_list",
    ),
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
    path("<slug:code>/feeds/", public_page(public.feeds_page), name="feeds"),
    path("<slug:code>/feed/rss/", public_page(ItemsFeed()), name="feed_rss"),
    path("<slug:code>/feed/atom/", public_page(ItemsAtomFeed()), name="feed_atom"),
    path("<slug:code>/feed/<slug:slug>/rss/", public_page(ItemsFeed()), name="category_feed_rss"),
    path(
        "<slug:code>/feed/<slug:slug>/atom/",
        public_page(ItemsAtomFeed()),
        name="category_feed_atom",
    ),
]


def sitemap_urls(sitemaps: dict) -> list:
    """The sitemap index and its sections, over the sitemaps the project gathers."""
    return [
        path(
            "sitemap.xml",
            public_page(sitemap_views.index),
            {"sitemaps": sitemaps, "sitemap_url_name": "disclosure:sitemap_section"},
            name="sitemap",
        ),
        path(
            "sitemap-<section>.xml",
            public_page(sitemap_views.sitemap, params=("p",)),
            {"sitemaps": sitemaps},
            name="sitemap_section",
        ),
    ]
