"""A whole import: the table planned and, when every row is good, the plan applied, in one
transaction: either every row is stored or none is."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from disclosure.records.models import Agency

from .contract import Ledger, LedgerFileError
from .planning import Plan, Progress, plan_import
from .reading import Table
from .writing import apply_plan


def import_table(
    ledger: Ledger,
    *,
    agency: Agency,
    table: Table,
    update: bool = False,
    user=None,
    reason: str = "",
    update_hint: str = "如要更新已有记录，请使用 --update",
    progress: Progress | None = None,
) -> Plan:
    """Validate and, when every row is good, store the whole table: one transaction, all or
    nothing. The returned plan carries the problems (nothing stored) or the counts."""
    try:
        with transaction.atomic():
            # Serialises imports into the same agency, so generated numbers cannot collide.
            Agency.objects.select_for_update().filter(pk=agency.pk).first()
            plan = plan_import(
                ledger,
                agency=agency,
                table=table,
                update=update,
                update_hint=update_hint,
                progress=progress,
            )
            if plan.ok:
                apply_plan(plan, user=user, reason=reason, progress=progress)
    except IntegrityError:
        # Another user saved a clashing record between the check and the write.
        raise LedgerFileError(
            "保存时与同时进行的其他修改冲突，未保存任何记录，请重新导入。"
        ) from None
    return plan
