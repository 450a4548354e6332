"""The three roles of the app, as permission lists. Applied by data migrations and by
``setup_roles`` whenever a later feature adds a permission.

- 办理人员 (clerk) and 负责人 (manager) work on the records of their own agencies only (the
  agencies whose ``members`` list them, ``access.py``).
- 系统管理员 (system role) keeps what every agency shares: the disclosure catalog's categories and
  the working-day calendar (a holiday moves the due dates of every agency's open requests). It
  sees no agency's records unless it is also a member of that agency.

Clerks and managers may look at the shared tables but never change them; agencies themselves
(their code, name, parent and members) are added and changed by a superuser only (the
``agency_add`` command or the admin), a manager keeps the contact fields of their own agency.
"""

CLERK = "办理人员"
MANAGER = "负责人"
SYSTEM = "系统管理员"

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
    # Letters to applicants: drafted, edited and issued by the clerk handling the request; a
    # draft may be deleted, an issued letter never (disclosure/letters/models.py).
    "disclosure.add_letter",
    "disclosure.change_letter",
    "disclosure.delete_letter",
    "disclosure.view_letter",
    "disclosure.issue_letter",
    "disclosure.add_withheldpart",
    "disclosure.change_withheldpart",
    "disclosure.delete_withheldpart",
    "disclosure.view_withheldpart",
    # The shared tables: looked at, never changed (SYSTEM_PERMISSIONS).
    "disclosure.view_calendaryear",
    "disclosure.view_holiday",
    # The 网上申请 queue (disclosure/online): looked at, confirmed as requests or turned away;
    # never edited or deleted (docs/online.md).
    "online.view_onlineapplication",
    "online.decide_onlineapplication",
    # The annual report: clerks may look at the preview and the published versions.
    "reports.view_report",
    "reports.view_reportversion",
]

MANAGER_PERMISSIONS = CLERK_PERMISSIONS + [
    # Their own agency's contact fields (AgencyAdmin keeps code, name, parent, members read-only).
    "disclosure.change_agency",
    "disclosure.publish_disclosure",
    "disclosure.add_yearlyfigures",
    "disclosure.change_yearlyfigures",
    "disclosure.delete_disclosurerequest",
    "disclosure.delete_case",
    # The annual report: write the narrative, enter past years' tables, publish.
    "reports.add_report",
    "reports.change_report",
    "reports.publish_report",
]

SYSTEM_PERMISSIONS = [
    # The disclosure catalog (主动公开目录) every agency files its items under. The categories the
    # code relies on (指南, 年报) keep their fixed key and cannot be deleted (CategoryAdmin).
    "disclosure.view_category",
    "disclosure.add_category",
    "disclosure.change_category",
    "disclosure.delete_category",
    # The working-day calendar (holidays and 调休): saving it moves every agency's due dates.
    "disclosure.view_calendaryear",
    "disclosure.add_calendaryear",
    "disclosure.change_calendaryear",
    "disclosure.delete_calendaryear",
    "disclosure.view_holiday",
    "disclosure.add_holiday",
    "disclosure.change_holiday",
    "disclosure.delete_holiday",
    # The audit log (looks at applicants' data, logins, lockouts): read-only (docs/audit.md).
    "audit.view_accessevent",
    # Failed logins and lockouts of every user: looked at and unlocked (docs/identity.md).
    "identity.view_loginattempt",
    "identity.unlock_loginattempt",
]

ROLES = {CLERK: CLERK_PERMISSIONS, MANAGER: MANAGER_PERMISSIONS, SYSTEM: SYSTEM_PERMISSIONS}


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
