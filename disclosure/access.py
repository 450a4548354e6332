"""Who may see which agency's records: the one scoping rule of the app.

A user works for the agencies whose ``members`` list them; a superuser sees every agency.
Everything that shows or changes an agency's records starts here: querysets through
``visible_to``, single records through ``visible_or_404``, admin pages through
``AgencyScopedMixin``. Another agency's record is a 404 everywhere, never a 403 that would
confirm it exists; and in the admin (``ScopedAdminSite``) so is every page or action the user
lacks the permission for.
"""

from __future__ import annotations

from functools import wraps

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
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


# --- Supervision: a parent agency's managers and its units ------------------------------------
#
# A government's 公开办 supervises the agencies under it (``Agency.parent``, recursively): its
# managers see the units' figures and report states (the supervision page, the consolidated
# report), never their records: ``visible_to`` and ``visible_or_404`` stay membership-only, so
# a unit's request, case or change page is a 404 unless the user is also listed as its staff.

SUPERVISE_PERMISSION = "reports.publish_report"  # the 负责人 who publishes the agency's report


def agency_tree(agency) -> list[tuple[models.Model, int]]:
    """``agency`` and every agency under it, recursively, as (agency, depth) in printed order:
    each agency before its units, units by code (depth 0 is ``agency`` itself). One query
    (every agency's id, code, name and parent: a few hundred rows), however deep the tree; an
    accidental cycle of parents is cut where it closes."""
    rows = apps.get_model("disclosure", "Agency").objects.only("id", "code", "name", "parent")
    children: dict[int | None, list] = {}
    for row in rows.order_by("code"):
        children.setdefault(row.parent_id, []).append(row)
    tree, seen = [], {agency.pk}
    stack = [(agency, 0)]
    while stack:
        node, depth = stack.pop()
        tree.append((node, depth))
        units = [unit for unit in children.get(node.pk, []) if unit.pk not in seen]
        seen.update(unit.pk for unit in units)
        stack.extend((unit, depth + 1) for unit in reversed(units))
    return tree


def unit_ids_under(agency) -> list[int]:
    """Ids of the agencies under ``agency`` (its units, their units, …), not ``agency`` itself."""
    return [unit.pk for unit, depth in agency_tree(agency) if depth > 0]


def supervised_agencies(user) -> models.QuerySet:
    """The agencies whose units the user supervises: those of the user's agencies that have
    units, for a manager (``SUPERVISE_PERMISSION``); every agency with units for a superuser."""
    agencies = apps.get_model("disclosure", "Agency").objects
    if not user.is_authenticated or not user.is_active or not user.has_perm(SUPERVISE_PERMISSION):
        return agencies.none()
    with_units = agencies.filter(departments__isnull=False).distinct()
    return with_units if user.is_superuser else with_units.filter(id__in=agency_ids_of(user))


def may_supervise(user, agency) -> bool:
    """Whether the user may see the figures of the units under ``agency`` (not their records)."""
    return supervised_agencies(user).filter(pk=agency.pk).exists()


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


class ScopedAdminSite(admin.AdminSite):
    """``admin.site`` (``disclosure.apps.AdminConfig``): Django's admin site with two changes.

    - What a staff user may not see or do does not exist for them: a page or action refused for
      lack of permission (Django's 403: a delete view without delete permission, a changelist
      of another role's model, a history form) is the same 404 as a missing record, so no
      status tells a record that exists from one that does not.
    - "View on site" (``r/<content_type_id>/<object_id>/``) redirects only for an object the
      user may see in the admin that has a public page; anything else is that same 404.
    """

    def admin_view(self, view, cacheable=False):
        @wraps(view)
        def denied_is_not_found(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied:
                raise Http404(NOT_FOUND) from None

        return super().admin_view(denied_is_not_found, cacheable)

    def index(self, request, extra_context=None):
        # The home page's 常用 box links the supervision page for those who supervise units.
        extra_context = {"supervises": supervised_agencies(request.user).exists()} | (
            extra_context or {}
        )
        return super().index(request, extra_context)

    def get_urls(self):
        return [
            path(str(url.pattern), self.admin_view(self.view_on_site), name="view_on_site")
            if getattr(url, "name", None) == "view_on_site"
            else url
            for url in super().get_urls()
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """The public page of an object the user may see in the admin (Django's ``shortcut``
        looks the object up in the whole table: another agency's draft redirected, a missing
        id was a 404 — an oracle)."""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
            model_admin = self.get_model_admin(model)
        except (ValueError, ContentType.DoesNotExist, NotRegistered):
            raise Http404(NOT_FOUND) from None
        # The object as its admin page finds it: the scoped queryset, then the permission.
        queryset = model_admin.get_queryset(request)
        obj = queryset.filter(pk=object_id).first() if object_id.isdigit() else None
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404(NOT_FOUND)
        # None: the model has no public page, or this object has none (a draft item).
        if model_admin.get_view_on_site_url(obj) is None:
            raise Http404(NOT_FOUND)
        return redirect(obj.get_absolute_url())
