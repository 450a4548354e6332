"""Staff-side views that are not admin pages."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.utils.http import content_disposition_header
from django.views.static import serve

from reports.models import ReportVersion

from .access import agency_ids_of
from .records.models import Attachment
from .records.uploads import content_type_for, sandbox_download


@staff_member_required
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
