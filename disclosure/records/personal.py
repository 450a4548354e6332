"""Applicants' personal data on requests: how it is shown, who looked at it, and the two writes
that keep it (docs/personal-data.md).

- Shown: masked (``mask_id_number``, ``mask_phone``) unless the user holds
  ``disclosure.view_personal_data``; every full showing goes through ``reveal_logged``.
- ``personal_data_rotate``: every stored ID number and phone re-encrypted with the newest key of
  ``PERSONAL_DATA_KEYS`` and every ID number's keyed hash recomputed.
- ``personal_data_deidentify``: the applicant's details blanked on requests closed more than
  ``PERSONAL_DATA_RETENTION_YEARS`` ago, in the history rows too; what the annual report counts
  (dates, applicant type, channel, outcome, events, cases) stays.

The encryption itself (keys, tokens, the keyed hash, the fields) is ``disclosure.crypto``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from disclosure.audit.models import AccessEvent
from disclosure.audit.services import audit_record
from disclosure.crypto import blind_index, decrypt, encrypt, keyring

from .applications import Case, DisclosureRequest

PERMISSION = "disclosure.view_personal_data"
ENCRYPTED_FIELDS = ("applicant_id_number", "applicant_phone")
# Blanked by de-identification: what names, reaches or identifies the applicant.
APPLICANT_FIELDS = (
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_address",
    "applicant_email",
)
DEIDENTIFY_REASON = "个人信息保存期满，去标识化"
BATCH_SIZE = 1000


def _mask(value: str, head: int, tail: int) -> str:
    value = value.strip()
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str) -> str:
    """330302199001011234 → 330***********1234: enough to tell two applicants apart."""
    return _mask(value, 3, 4)


def mask_phone(value: str) -> str:
    """13912345678 → 139****5678."""
    return _mask(value, 3, 4)


MASKS = {"applicant_id_number": mask_id_number, "applicant_phone": mask_phone}


def can_view_personal_data(user) -> bool:
    return user.has_perm(PERMISSION)


def reveal_logged(request: HttpRequest, obj: DisclosureRequest, field: str) -> None:
    """Record in the access audit (docs/audit.md) that ``request.user`` was shown ``field`` of
    ``obj`` in full: who, from where, which request and which field — never the value."""
    audit_record(
        request=request,
        action=AccessEvent.Action.PERSONAL_DATA,
        obj=obj,
        detail=f"{obj.number} {DisclosureRequest._meta.get_field(field).verbose_name}",
    )


@dataclass(frozen=True)
class Rotation:
    checked: int  # requests with an ID number or a phone
    reencrypted: int  # values that were under an older key
    reindexed: int  # keyed hashes that changed (PERSONAL_DATA_INDEX_KEY changed)


def personal_data_rotate() -> Rotation:
    """Re-encrypt every stored ID number and phone that is not under the newest key and recompute
    every keyed hash, in one transaction. Raw SQL: the records are not otherwise changed (no
    history row, no "modified" time). Raises ``crypto.DecryptionError`` when a value's key is no
    longer configured (then nothing is written)."""
    ring = keyring()
    quote = connection.ops.quote_name
    table = quote(DisclosureRequest._meta.db_table)
    id_col, phone_col, index_col = (
        quote(DisclosureRequest._meta.get_field(name).column)
        for name in (*ENCRYPTED_FIELDS, "applicant_id_index")
    )
    reencrypted = reindexed = 0
    changes = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {id_col}, {phone_col}, {index_col} FROM {table} "
            f"WHERE {id_col} <> '' OR {phone_col} <> ''"
        )
        rows = cursor.fetchall()
        for pk, id_token, phone_token, index in rows:
            plain_id = decrypt(id_token) if id_token else ""
            new_id, new_phone = id_token, phone_token
            if id_token and not ring.is_current(id_token):
                new_id, reencrypted = encrypt(plain_id), reencrypted + 1
            if phone_token and not ring.is_current(phone_token):
                new_phone, reencrypted = encrypt(decrypt(phone_token)), reencrypted + 1
            new_index = blind_index(plain_id)
            reindexed += new_index != index
            if (new_id, new_phone, new_index) != (id_token, phone_token, index):
                changes.append((new_id, new_phone, new_index, pk))
        for start in range(0, len(changes), BATCH_SIZE):
            cursor.executemany(
                f"UPDATE {table} SET {id_col} = %s, {phone_col} = %s, {index_col} = %s "
                "WHERE id = %s",
                changes[start : start + BATCH_SIZE],
            )
    return Rotation(checked=len(rows), reencrypted=reencrypted, reindexed=reindexed)


def reencrypt_columns(model, fields: tuple[str, ...]) -> int:
    """Re-encrypt with the newest key every value of ``fields`` of ``model`` that is under an
    older one (raw SQL, in the caller's transaction; no keyed hash: for tables without one, such
    as the online applications waiting in the queue). Returns how many values changed; raises
    ``crypto.DecryptionError`` when a value's key is no longer configured."""
    ring = keyring()
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(model._meta.get_field(name).column) for name in fields]
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")
        changes = []
        for pk, *tokens in cursor.fetchall():
            new = [t if not t or ring.is_current(t) else encrypt(decrypt(t)) for t in tokens]
            if new != tokens:
                changed += sum(a != b for a, b in zip(new, tokens, strict=True))
                changes.append((*new, pk))
        assignments = ", ".join(f"{column} = %s" for column in columns)
        for start in range(0, len(changes), BATCH_SIZE):
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",
                changes[start : start + BATCH_SIZE],
            )
    return changed


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def requests_past_retention(cutoff: datetime.date):
    """Requests answered before ``cutoff`` whose every review or lawsuit was concluded before it
    too (an open case still needs the applicant), and that still hold an applicant's detail."""
    case_after = Case.objects.filter(request=OuterRef("pk")).filter(
        Q(concluded_on__isnull=True) | Q(concluded_on__gte=cutoff)
    )
    holds_data = Q()
    for name in APPLICANT_FIELDS:
        holds_data |= ~Q(**{name: ""})
    return (
        DisclosureRequest.objects.filter(decided_on__lt=cutoff)
        .exclude(Exists(case_after))
        .filter(holds_data)
    )


def personal_data_deidentify(*, cutoff: datetime.date, user=None) -> int:
    """Blank the applicant's name, ID number, phone, address and e-mail of every request past
    retention (``requests_past_retention(cutoff)``), in the request and in each of its history
    rows, and add a history row saying so. Returns how many requests. What the reports count is
    not touched, so every report figure stays the same."""
    blank = dict.fromkeys(APPLICANT_FIELDS, "")
    history = DisclosureRequest.history
    # The history rows hold no copy of the encrypted fields, only the others.
    blank_history = {k: v for k, v in blank.items() if k not in ENCRYPTED_FIELDS}
    done = 0
    with transaction.atomic():
        ids = list(requests_past_retention(cutoff).values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            DisclosureRequest.objects.filter(pk__in=batch).update(
                **blank, applicant_id_index="", updated_at=timezone.now()
            )
            history.filter(id__in=batch).update(**blank_history)
            history.bulk_history_create(
                list(DisclosureRequest.objects.filter(pk__in=batch)),
                update=True,
                default_user=user,
                default_change_reason=DEIDENTIFY_REASON,
            )
            done += len(batch)
    return done


def vacuum_request_tables() -> bool:
    """Rewrite the request tables so that replaced values (old tokens, blanked details) leave
    the database files: SQLite ``VACUUM``, PostgreSQL ``VACUUM FULL`` (locks the two tables
    while it runs). Neither can run inside a transaction: then nothing is done (False)."""
    if connection.in_atomic_block:
        return False
    tables = [DisclosureRequest._meta.db_table, DisclosureRequest.history.model._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
        elif connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            cursor.execute(f"VACUUM FULL {', '.join(quote(t) for t in tables)}")
    return True
