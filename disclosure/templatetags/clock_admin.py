"""Admin template tags of the statutory clock: the year-end warning that the next year's
working-day calendar is missing, for the admin home (``templates/admin/index.html``)."""

from django import template
from django.utils import timezone

from disclosure.clock.selectors import calendar_warning as warning_text
from disclosure.roles import MANAGER, SYSTEM

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_warning(context) -> str:
    """The calendar warning (``selectors.calendar_warning``) for managers, the system role
    and superusers; "" for anyone else and when the calendar is complete."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return ""
    if not user.is_superuser and not user.groups.filter(name__in=[MANAGER, SYSTEM]).exists():
        return ""
    return warning_text(timezone.localdate())
