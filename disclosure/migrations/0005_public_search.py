"""Indexes for the public site.

* ``disclosure_pub_cat_idx``: category counts on the home page and category lists read the index
  only (no table rows).
* PostgreSQL only: a GIN index on the bigrams (pairs of adjacent characters) of the searched text,
  for Chinese substring search (see ``disclosure/search.py``). pg_trgm cannot index two-character
  words, so the bigrams come from two small SQL functions. The indexed expression must stay
  identical to ``search.SearchDocument``.
"""

from django.db import migrations, models

# Every bigram of the text, split at even and at odd offsets with regexp_replace (about 20 times
# faster than a generate_series loop); the extra single characters and empty strings it yields
# are harmless. Not inlined (SET clause) and costed high, so the planner never evaluates it row by
# row when the index can answer.
CREATE_FUNCTIONS = r"""
CREATE FUNCTION disclosure_search_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 SET search_path = pg_catalog AS $$
  SELECT string_to_array(
    regexp_replace(t, '(..)', E'\\1\x1f', 'g') || E'\x1f'
    || regexp_replace(substr(t, 2), '(..)', E'\\1\x1f', 'g'),
    E'\x1f')
$$;
CREATE FUNCTION disclosure_query_bigrams(q text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT b), '{}')
  FROM unnest(disclosure_search_bigrams(q)) AS b
  WHERE char_length(b) = 2 AND b !~ '\s'
$$;
CREATE INDEX disclosure_search_idx ON disclosure_disclosure USING gin (
  disclosure_search_bigrams(lower(title || ' ' || document_number || ' ' || index_number || ' ' || body))
);
"""

DROP_FUNCTIONS = """
DROP INDEX IF EXISTS disclosure_search_idx;
DROP FUNCTION IF EXISTS disclosure_query_bigrams(text);
DROP FUNCTION IF EXISTS disclosure_search_bigrams(text);
"""


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTIONS)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0004_seed_calendar_and_roles")]

    operations = [
        migrations.AddIndex(
            model_name="disclosure",
            index=models.Index(
                fields=["agency", "status", "category", "-published_on"],
                name="disclosure_pub_cat_idx",
            ),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
