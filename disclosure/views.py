"""Project views that are not admin or public pages: staff downloads of uploaded files, the
server-error page (500, or 503 when the database is down) and the load balancer's ``/healthz``."""

import logging
import sys
import uuid

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from reports.models import ReportVersion

from .access import agency_ids_of
from .records.models import Attachment
from .records.uploads import check_sealed, content_type_for, refuse_altered, sandbox_download

logger = logging.getLogger(__name__)

# What the database raises when it cannot be reached or gives up (connection refused or closed,
# too many connections, a statement timeout): the site is unavailable for now, a 503.
DATABASE_DOWN = (OperationalError, InterfaceError)
# The last resort, when even the error template cannot be rendered.
PLAIN_ERROR_PAGE = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统暂时无法访问</title>'
    "</head><body><h1>系统暂时无法访问</h1><p>请稍后刷新本页再试。</p></body></html>"
)


@staff_member_required
@refuse_altered
def staff_media(request, path):
    """An uploaded file, for staff of the agency that owns it (the admin links here). Uploaded
    files are never public as such: the public site serves published ones through views that
    check publication.

    Always a download, never a page: a file that a browser would render (a legacy ``.html`` or
    ``.svg`` stored before uploads were checked) would run on the admin's origin with the
    viewer's session. So: ``Content-Disposition: attachment``, a type from the allowlist or
    ``application/octet-stream``, ``nosniff``, ``CSP: sandbox``, and no caching (private data)."""
    user = request.user
    if not user.is_superuser:
        ids = agency_ids_of(user)
        owned = (
            Attachment.objects.filter(file=path, disclosure__agency_id__in=ids).exists()
            or ReportVersion.objects.filter(pdf=path, agency_id__in=ids).exists()
        )
        if not owned:
            raise Http404("文件不存在。")
    _check_if_sealed(path)
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if response.status_code == 200:
        response["Content-Type"] = content_type_for(path)
        response.headers.pop("Content-Encoding", None)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=path.rsplit("/", 1)[-1]
        )
    sandbox_download(response)
    response["Cache-Control"] = "no-store"
    return response


def _check_if_sealed(path: str) -> None:
    """A sealed file (a published report's PDF, as the report or as its catalog attachment) is
    sent only while it has the SHA-256 it was sealed with (``AlteredFile`` otherwise)."""
    sealed = Attachment.objects.filter(file=path).exclude(sha256="")
    sha256 = sealed.values_list("sha256", flat=True).first() or (
        ReportVersion.objects.filter(pdf=path).values_list("pdf_sha256", flat=True).first()
    )
    if not sha256:
        return
    try:
        handle = default_storage.open(path, "rb")
    except (FileNotFoundError, ValueError):
        raise Http404("文件不存在。") from None
    with handle:
        check_sealed(handle, sha256, name=path)


def server_error(request):
    """``handler500``: the Chinese 500 page, or the 503 page when the database is down.

    Rendered without the request's context: no context processor, no session, no query — the
    database may be what failed. If even the template fails, a fixed page."""
    down = isinstance(sys.exception(), DATABASE_DOWN)
    status = 503 if down else 500
    try:
        body = loader.render_to_string(f"{status}.html")
    except Exception:
        logger.exception("the %s page could not be rendered", status)
        body = PLAIN_ERROR_PAGE
    response = HttpResponse(body, status=status)
    if down:
        response["Retry-After"] = "60"
    return response


@never_cache
@require_safe
def healthz(request):
    """For the load balancer: 200 when the database answers ``SELECT 1`` and the cache keeps a
    value, else 503 saying which failed (the reason goes to the log, not to the caller). Reads no
    session and no record; never cached."""
    parts = {"database": _database_state(), "cache": _cache_state()}
    healthy = "error" not in parts.values()
    body = {"status": "ok" if healthy else "error", **parts}
    return JsonResponse(body, status=200 if healthy else 503)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() == (1,):
                return "ok"
    except Exception:
        logger.warning("healthz: the database does not answer", exc_info=True)
    return "error"


def _cache_state() -> str:
    if isinstance(caches["default"], DummyCache):
        return "off"  # CACHE_URL=none: nothing is kept, nothing can fail
    # A key of its own per check: two workers checking at once never read each other's value.
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, value, 30)
        kept = cache.get(key) == value
        cache.delete(key)
    except Exception:
        logger.warning("healthz: the cache cannot be written or read", exc_info=True)
        return "error"
    if not kept:
        logger.warning("healthz: the cache did not keep a value")
    return "ok" if kept else "error"
