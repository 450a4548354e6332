"""The two roles of the app, as permission lists. Applied by a data migration and by
``setup_roles`` whenever a later feature adds a permission."""

CLERK = "办理人员"
MANAGER = "负责人"

CLERK_PERMISSIONS = [
    "disclosure.view_agency",
    "disclosure.view_category",
    "disclosure.add_disclosure",
    "disclosure.change_disclosure",
    "disclosure.delete_disclosure",
    "disclosure.view_disclosure",
    "disclosure.add_attachment",
    "disclosure.change_attachment",
    "disclosure.delete_attachment",
    "disclosure.view_attachment",
    "disclosure.add_disclosurerequest",
    "disclosure.change_disclosurerequest",
    "disclosure.view_disclosurerequest",
    "disclosure.add_case",
    "disclosure.change_case",
    "disclosure.view_case",
    "disclosure.view_yearlyfigures",
    "disclosure.add_requestevent",
    "disclosure.change_requestevent",
    "disclosure.delete_requestevent",
    "disclosure.view_requestevent",
    "disclosure.view_calendaryear",
    "disclosure.view_holiday",
    # The annual report: clerks may look at the preview and the published versions.
    "reports.view_report",
    "reports.view_reportversion",
]

MANAGER_PERMISSIONS = CLERK_PERMISSIONS + [
    "disclosure.change_agency",
    "disclosure.add_category",
    "disclosure.change_category",
    "disclosure.publish_disclosure",
    "disclosure.add_yearlyfigures",
    "disclosure.change_yearlyfigures",
    "disclosure.delete_disclosurerequest",
    "disclosure.delete_case",
    # The working-day calendar (holidays and 调休) is kept by managers.
    "disclosure.add_calendaryear",
    "disclosure.change_calendaryear",
    "disclosure.delete_calendaryear",
    "disclosure.add_holiday",
    "disclosure.change_holiday",
    "disclosure.delete_holiday",
    # The annual report: write the narrative, enter past years' tables, publish.
    "reports.add_report",
    "reports.change_report",
    "reports.publish_report",
]

ROLES = {CLERK: CLERK_PERMISSIONS, MANAGER: MANAGER_PERMISSIONS}


def apply_roles(group_model, permission_model, *, missing_ok: bool = False) -> None:
    """Create the groups and give each exactly its permissions (missing ones are an error).

    Migrations pass ``missing_ok``: on a fresh database every ``disclosure`` migration runs
    before the ``reports`` ones, so a permission of a later app does not exist yet there; that
    app's own migration applies the roles again once it does.
    """
    for name, perms in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        objs = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            try:
                objs.append(
                    permission_model.objects.get(
                        content_type__app_label=app_label, codename=codename
                    )
                )
            except permission_model.DoesNotExist:
                if not missing_ok:
                    raise
        group.permissions.set(objs)
