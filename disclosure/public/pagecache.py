"""A shared cache of rendered public pages, emptied by every write to what those pages show.

A public page is a pure function of the published records, the request's scheme, host, path and
the query parameters its view reads, and today's date (an item dated tomorrow appears at midnight).
So a rendered page is stored under a key made of those and of a *public version*: a token in the
cache that is replaced whenever an agency, a category, an item, an attachment or a published
report is saved or deleted. A withdrawn item therefore leaves every page with the write that
withdraws it, not when some timeout runs out; the timeout (``PUBLIC_PAGE_CACHE_SECONDS``) only
bounds how long stale entries take up room.

The version is replaced from model signals, not from the services: admin saves, imports, the
report publisher and a shell all write through ``save()``/``delete()``, and an invalidation that
one of them forgot would publish stale data. It is replaced at once (the writer's own next page
is fresh, also inside a transaction) and again after the transaction commits: a page rendered by
another worker between the two read the old rows and is filed under the version in between,
which nobody asks for after the commit.

Writes that bypass signals (``QuerySet.update()``, ``bulk_create()``, SQL typed into psql) must
call ``public_changed()`` themselves, or be followed by ``manage.py public_changed``.

Each view declares the query parameters it reads (``public_page(view, params=…)``); any other
parameter is dropped before the view runs and is not part of the key, so ``?x=1``, ``?x=2``, … are
one stored page, not one each (cache filling, a render per request), and the page never echoes
them (the filter form, the pagination links).

Failures are safe: a version that cannot be replaced fails the write that needed it (inside its
transaction, so it rolls back; ``PublicCacheUnwritable`` carries the Chinese message the admin
shows, see ``CacheFailureMiddleware``) rather than leave its pages up; a cache that cannot be read
or written serves every page freshly rendered. Only anonymous requests use the cache: a signed-in
clerk checking the site after a change sees the records, never a stored copy, and nothing a
signed-in user's page might show is ever stored. A session cookie alone is not a signed-in user
(anyone can send ``sessionid=x``): only a session that belongs to a signed-in user bypasses the
cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import random
import time
from importlib import metadata
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone

VERSION_KEY = "public:version"
RENDERING_PACKAGES = ("django", "django-crispy-forms", "crispy-bootstrap5")
HEADER = "X-Page-Cache"  # HIT or MISS: lets an operator or a benchmark see the cache work

logger = logging.getLogger(__name__)


class PublicCacheUnwritable(RuntimeError):
    """The public version could not be replaced: the write that needed it must not stand."""

    def __init__(self):
        super().__init__(
            "保存失败：公开网站的页面缓存无法写入，本次修改已撤销、没有保存。"
            "请稍后重试；如仍失败，请联系系统管理员检查缓存（var/cache 目录或 Redis）。"
        )


def public_changed(**kwargs) -> None:
    """Retire every cached public page (now, and again when the current transaction commits).

    Raises ``PublicCacheUnwritable`` if the cache cannot be written: the write that called it
    must not stand while its pages are still served."""
    _new_version()
    transaction.on_commit(_new_version_after_commit)


def _new_version() -> str:
    version = str(time.time_ns())
    try:
        cache.set(VERSION_KEY, version, None)
    except Exception as error:
        # A full disk can still delete: the next reader then starts afresh.
        with contextlib.suppress(Exception):
            cache.delete(VERSION_KEY)
        raise PublicCacheUnwritable from error
    return version


def _new_version_after_commit() -> None:
    try:
        _new_version()
    except Exception:  # the write is committed and the first replacement succeeded
        logger.exception("public page cache: could not replace the version after a commit")


def _version() -> str:
    return cache.get(VERSION_KEY) or _new_version()


def enabled() -> bool:
    return settings.PUBLIC_PAGE_CACHE_SECONDS > 0


@functools.cache
def _code_stamp() -> str:
    """The code, templates and packages this process renders with (taken when the app starts):
    a deploy or an upgrade never serves pages or memos made by the code it replaced."""
    roots = [settings.BASE_DIR / name for name in ("disclosure", "reports", "templates")]
    files = sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    manifest = settings.STATIC_ROOT / "staticfiles.json"  # the hashed asset names pages link
    stats = [
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files + [manifest] if p.exists()
    ]
    # The packages that render parts of the pages.
    stats += [(name, metadata.version(name)) for name in RENDERING_PACKAGES]
    return hashlib.sha256(repr(stats).encode()).hexdigest()[:16]


def _key(kind: str, *parts: str) -> str:
    # The version is read here, before the caller reads any record (see the module docstring).
    raw = "\n".join((_version(), _code_stamp(), timezone.localdate().isoformat(), *parts))
    return f"public:{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def public_memo(name: str, compute):
    """``compute()`` — a value derived from published records, such as an agency's years or the
    per-category counts — computed once per public version."""
    if not enabled():
        return compute()
    try:
        key = _key("memo", name)
        value = cache.get(key)
    except Exception:
        logger.warning("public page cache unreadable; computing %s", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        _store(key, value)
    return value


def _store(key: str, value) -> None:
    try:
        cache.set(key, value, settings.PUBLIC_PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("public page cache unwritable", exc_info=True)


def public_page(view, *, params: tuple[str, ...] = ()):
    """Serve a public GET view to anonymous visitors from the page cache; store its successful,
    non-streaming answers that set no cookie. ``params`` are the query parameters the view reads:
    the others are dropped before it runs, for everyone, and are not part of the key."""
    params = tuple(sorted(params))

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            request.GET = _known(request.GET, params)
        if request.method != "GET" or not enabled() or _signed_in(request):
            return view(request, *args, **kwargs)
        try:
            key = _key(
                "page", request.scheme, request.get_host(), request.path, request.GET.urlencode()
            )
            stored = cache.get(key)
        except Exception:
            logger.warning("public page cache unreadable; rendering", exc_info=True)
            return view(request, *args, **kwargs)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content, headers=headers)
            response[HEADER] = "HIT"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            _store(key, (response.content, dict(response.items())))
        response[HEADER] = "MISS"
        return response

    return cached_view


def _known(query: QueryDict, params: tuple[str, ...]) -> QueryDict:
    """The parameters a view reads, in a fixed order (``?b=1&a=2`` is ``?a=2&b=1``)."""
    return QueryDict(urlencode([(name, value) for name in params for value in query.getlist(name)]))


def _signed_in(request) -> bool:
    """Whether the request comes from a signed-in user. Without a session cookie nothing is
    read; with one, the session and its user are (one or two queries), so a forged or expired
    cookie gets the stored page like any anonymous visitor."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


class CacheFailureMiddleware:
    """A write the page cache could not follow (``PublicCacheUnwritable``, already rolled back by
    the write's transaction) becomes a Chinese error message on the page the clerk was on, not a
    generic 500. The typed changes are lost with the rollback; the message says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PublicCacheUnwritable) or request.method != "POST":
            return None
        logger.error("public page cache unwritable: a write was rolled back", exc_info=exception)
        messages.error(request, str(exception))
        return HttpResponseRedirect(request.get_full_path())


def connect_signals() -> None:
    """Called once from the app's ``ready()``."""
    from django.apps import apps

    for label in (
        "disclosure.Agency",
        "disclosure.Category",
        "disclosure.Disclosure",
        "disclosure.Attachment",
        "reports.ReportVersion",
    ):
        model = apps.get_model(label)
        post_save.connect(public_changed, sender=model, dispatch_uid=f"public_changed_save_{label}")
        post_delete.connect(
            public_changed, sender=model, dispatch_uid=f"public_changed_delete_{label}"
        )
    _code_stamp()


class FileCache(FileBasedCache):
    """Django's file cache with two changes: the folder is listed (to cull it down to
    ``MAX_ENTRIES``) on one write in a hundred rather than on every write — with thousands of
    pages stored, listing it cost more than rendering the page being stored — and culling never
    removes the public version (that would retire every page at once)."""

    def _cull(self):
        if random.random() >= 0.01:
            return
        keep = self._key_to_file(VERSION_KEY)
        files = [f for f in self._list_cache_files() if f != keep]
        if len(files) < self._max_entries:
            return
        for fname in random.sample(files, max(1, len(files) // self._cull_frequency)):
            self._delete(fname)
