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
]

ROLES = {CLERK: CLERK_PERMISSIONS, MANAGER: MANAGER_PERMISSIONS}


def apply_roles(group_model, permission_model) -> None:
    """Create the groups and give each exactly its permissions (missing ones are an error)."""
    for name, perms in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        objs = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            objs.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(objs)
