"""Build an admin form POST the way a browser would: from the rendered form, with every inline's
management form, so tests keep working when a feature adds a field or an inline."""

import datetime

from django.db.models import Model


def _value(value):
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return str(value)


def _form_values(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        value = _value(value)
        if value not in ("", []):
            data[form.add_prefix(name)] = value
    return data


def admin_post_data(response, **fields) -> dict:
    """POST data for the admin add/change page in ``response``, with ``fields`` overriding."""
    data = _form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        initial = formset.initial_forms
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(initial))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(len(initial))
        for form in initial:
            data.update(_form_values(form))
    data.update({k: _value(v) for k, v in fields.items()})
    return {k: v for k, v in data.items() if v is not None}
