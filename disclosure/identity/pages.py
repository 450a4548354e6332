"""What the identity pages need to look like the admin (templates/identity/, which extend
``admin/base_site.html``) without the admin's menus: the user is not fully signed in yet."""

from __future__ import annotations

from django.contrib import admin


def page_context(title: str) -> dict:
    return {
        "title": title,
        "site_title": admin.site.site_title,
        "site_header": admin.site.site_header,
        "site_url": None,
        # No user tools and no list of the admin's tables before the second factor.
        "has_permission": False,
        "is_nav_sidebar_enabled": False,
    }
