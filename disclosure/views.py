"""Staff-side views that are not admin pages."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.views.static import serve

from reports.models import ReportVersion

from .access import agency_ids_of
from .records.models import Attachment


@staff_member_required
def staff_media(request, path):
    """An uploaded file, for staff of the agency that owns it (the admin links here). Uploaded
    files are never public as such: the public site serves published ones through views that
    check publication."""
    user = request.user
    if not user.is_superuser:
        ids = agency_ids_of(user)
        owned = (
            Attachment.objects.filter(file=path, disclosure__agency_id__in=ids).exists()
            or ReportVersion.objects.filter(pdf=path, agency_id__in=ids).exists()
        )
        if not owned:
            raise Http404("文件不存在。")
    return serve(request, path, document_root=settings.MEDIA_ROOT)
