"""After 0010: the plaintext ID numbers and phones it replaced (and the history's dropped copies)
stay in the database files as free pages (SQLite) or dead row versions and dropped columns
(PostgreSQL) until they are overwritten. VACUUM rewrites the request tables without them; it
cannot run inside a transaction, hence a migration of its own, not atomic. Nothing to undo."""

from django.db import migrations

TABLES = ("disclosure_disclosurerequest", "disclosure_historicaldisclosurerequest")


def vacuum(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
        elif connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            cursor.execute(f"VACUUM FULL {', '.join(quote(t) for t in TABLES)}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("disclosure", "0010_personal_data_encrypted"),
    ]

    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, elidable=True)]
