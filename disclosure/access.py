"""Who may see which agency's records: the one scoping rule of the app.

A user works for the agencies whose ``members`` list them; a superuser sees every agency.
Everything that shows or changes an agency's records starts here: querysets through
``visible_to``, single records through ``visible_or_404``, admin pages through
``AgencyScopedMixin``. Another agency's record is a 404 everywhere, never a 403 that would
confirm it exists.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

NOT_FOUND = "记录不存在。"


def agency_ids_of(user) -> list[int]:
    """Ids of the agencies the user works for, looked up once per user object (request)."""
    if not hasattr(user, "_agency_ids"):
        user._agency_ids = list(user.agencies.values_list("id", flat=True))
    return user._agency_ids


def user_agencies(user) -> models.QuerySet:
    """The agencies whose records the user may see (all of them for a superuser)."""
    # Looked up by name: the Agency model is built on this module's queryset.
    agencies = apps.get_model("disclosure", "Agency").objects.all()
    return agencies if user.is_superuser else agencies.filter(id__in=agency_ids_of(user))


class AgencyScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records of the agencies the user works for; everything for a superuser."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        # A plain id list (not a join through the membership table) lets the database use the
        # (agency, …) indexes: the 100,000-row request list stays fast.
        return self.filter(agency_id__in=agency_ids_of(user))


def visible_or_404(queryset: models.QuerySet, user, pk):
    """The record ``pk`` of ``queryset`` if the user may see it; else 404 (also for a bad id)."""
    obj = queryset.visible_to(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        raise Http404(NOT_FOUND)
    return obj


def mask_name(name: str) -> str:
    """张三丰 → 张**: enough for a clerk to recognise a row, not enough to expose it."""
    if not name:
        return ""
    return name[0] + "*" * min(len(name) - 1, 6) if len(name) > 1 else "*"


class AgencyScopedMixin:
    """For a ModelAdmin of a model with an ``agency`` foreign key and a ``visible_to`` queryset."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        agencies = user_agencies(request.user)
        if db_field.name == "agency":
            kwargs["queryset"] = agencies
            if len(agencies) == 1:
                kwargs["initial"] = agencies[0]
        elif db_field.name == "request":
            # Validating against every agency's requests would echo another agency's number.
            kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
        elif db_field.name == "handler":
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, agencies__in=agencies)
                .distinct()
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser or len(agency_ids_of(request.user)) > 1:
            filters.insert(0, ("agency", admin.RelatedOnlyFieldListFilter))
        return filters

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(NOT_FOUND)


class AgencyScopedAdmin(AgencyScopedMixin, SimpleHistoryAdmin):
    """Scoped admin with the change history of each record."""

    def history_view(self, request, object_id, extra_context=None):
        visible_or_404(self.get_queryset(request), request.user, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        visible_or_404(self.get_queryset(request), request.user, object_id)
        if request.method == "POST":
            # Reverting would write an old version back past the services and the role checks
            # (a clerk could re-publish a withdrawn item): history is for reading only.
            raise PermissionDenied("历史版本只供查看，请在记录页面修改。")
        return super().history_form_view(request, object_id, version_id, extra_context)
