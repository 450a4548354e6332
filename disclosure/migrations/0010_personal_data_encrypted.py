"""Issue 12 point 5: applicants' ID numbers and phone numbers encrypted at rest.

The two columns become text holding tokens (``disclosure.crypto``) and every stored value is
encrypted with the first key of PERSONAL_DATA_KEYS; the ID number's keyed hash
(``applicant_id_index``) is computed for the fee count per applicant; the history table loses its
plaintext copies of both (history keeps no copy from now on) and the permission "view personal
data" is added.

Reversible while the key is kept: going back decrypts the values into the columns again. The
history rows' old copies are not restored (they are dropped, not encrypted). Migration 0011
then removes the old plaintext from the database files (VACUUM).
"""

from django.db import migrations

import disclosure.crypto
from disclosure.crypto import blind_index, decrypt, encrypt

TABLE = "disclosure_disclosurerequest"
COLUMNS = ("applicant_id_number", "applicant_phone")


def _rewrite(schema_editor, change) -> None:
    """Every row with a value: ``change(id_number, phone)`` → (id_number, phone, index)."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    id_col, phone_col = (quote(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {id_col}, {phone_col} FROM {quote(TABLE)} "
            f"WHERE {id_col} <> '' OR {phone_col} <> ''"
        )
        rows = [(pk, *change(id_number, phone)) for pk, id_number, phone in cursor.fetchall()]
        cursor.executemany(
            f"UPDATE {quote(TABLE)} SET {id_col} = %s, {phone_col} = %s, "
            f"{quote('applicant_id_index')} = %s WHERE id = %s",
            [(id_number, phone, index, pk) for pk, id_number, phone, index in rows],
        )


def _is_token(value: str) -> bool:
    return value.startswith(f"{disclosure.crypto.PREFIX}$")


def encrypt_existing(apps, schema_editor):
    def change(id_number, phone):
        plain_id = decrypt(id_number) if _is_token(id_number) else id_number
        return (
            encrypt(id_number) if id_number and not _is_token(id_number) else id_number,
            encrypt(phone) if phone and not _is_token(phone) else phone,
            blind_index(plain_id),
        )

    _rewrite(schema_editor, change)


def decrypt_existing(apps, schema_editor):
    def change(id_number, phone):
        return (
            decrypt(id_number) if _is_token(id_number) else id_number,
            decrypt(phone) if _is_token(phone) else phone,
            "",
        )

    _rewrite(schema_editor, change)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0009_request_case_date_bounds"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="disclosurerequest",
            options={"ordering": ["-received_on", "-id"], "permissions": [("view_personal_data", "可以查看申请人完整的证件号码和联系电话")], "verbose_name": "依申请公开", "verbose_name_plural": "依申请公开"},
        ),
        migrations.AlterField(
            model_name="disclosurerequest",
            name="applicant_id_number",
            field=disclosure.crypto.EncryptedCharField(blank=True, help_text="身份证件号码或统一社会信用代码。加密保存，只有有权查看个人信息的人员看到完整号码。", max_length=40, verbose_name="证件号码"),
        ),
        migrations.AlterField(
            model_name="disclosurerequest",
            name="applicant_phone",
            field=disclosure.crypto.EncryptedCharField(blank=True, max_length=40, verbose_name="联系电话"),
        ),
        migrations.AddField(
            model_name="disclosurerequest",
            name="applicant_id_index",
            field=disclosure.crypto.BlindIndexField(blank=True, default="", editable=False, max_length=64, source="applicant_id_number", verbose_name="证件号码索引"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.RemoveField(
            model_name="historicaldisclosurerequest",
            name="applicant_id_number",
        ),
        migrations.RemoveField(
            model_name="historicaldisclosurerequest",
            name="applicant_phone",
        ),
    ]
