"""the search document as functions, so that a bulk load computes it as it inserts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

What `cinema_film_search_refresh` wrote (0006) is unchanged, but its parts become functions
that a bulk load (catalog/bulk_load.py) calls while inserting films, instead of inserting them
bare and rewriting every row (a million films: the table written twice):
- `cinema_film_head(title, original_title, names)`: titles (A) and people (B), the vector
  ranking reads (`films.rank_vector`);
- `cinema_film_document(head, description)`: the head and the description (C, D), the vector
  matched (`films.search_vector`);
- `cinema_search_words_add(bodies)`: the vocabulary words of these texts (titles, people with
  their characters) and their one-letter deletions.
The refresh also computes a film's head once instead of twice, joins its people in credit
order (the same film always gets the same vector, as the bulk load writes it), and tokenizes
each distinct name once per call instead of once per credit.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

HEAD = """
CREATE FUNCTION cinema_film_head(title text, original_title text, names text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple', cinema_norm(title || ' ' || original_title)), 'A')
      || setweight(to_tsvector('russian', cinema_norm(title || ' ' || original_title)), 'A')
      || setweight(to_tsvector('english', cinema_norm(title || ' ' || original_title)), 'A')
      || setweight(to_tsvector('simple', cinema_norm(coalesce(names, ''))), 'B')
$$
"""

DOCUMENT = """
CREATE FUNCTION cinema_film_document(head tsvector, description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT head
      || setweight(to_tsvector('russian', cinema_norm(description)), 'C')
      || setweight(to_tsvector('english', cinema_norm(description)), 'D')
$$
"""

# The words are those the `simple` configuration indexes, so the vocabulary, the query and
# the search vector agree on what a word is (as in 0006).
WORDS = """
CREATE FUNCTION cinema_search_words_add(bodies text[]) RETURNS void LANGUAGE sql AS $$
  WITH words AS (
      SELECT DISTINCT w
      FROM unnest(bodies) AS b(body),
           unnest(tsvector_to_array(to_tsvector('simple', cinema_norm(b.body)))) AS w
      WHERE length(w) >= 3
  ), added AS (
      INSERT INTO search_words (word) SELECT w FROM words ORDER BY w
      ON CONFLICT DO NOTHING RETURNING word
  )
  INSERT INTO search_word_variants (variant, word)
  SELECT DISTINCT v, added.word FROM added, unnest(added.word || cinema_deletes(added.word)) AS v
  ON CONFLICT DO NOTHING;
$$
"""

REFRESH = """
CREATE OR REPLACE FUNCTION cinema_film_search_refresh(film_ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE films f SET search_vector = cinema_film_document(d.head, d.description), rank_vector = d.head
  FROM (
      SELECT f2.id, f2.description, cinema_film_head(f2.title, f2.original_title, p.names) AS head
      FROM films f2
      LEFT JOIN LATERAL (
          SELECT string_agg(pe.name || ' ' || coalesce(fp.character, ''), ' ' ORDER BY fp.ord) AS names
          FROM film_people fp JOIN people pe ON pe.id = fp.person_id
          WHERE fp.film_id = f2.id
      ) p ON true
      WHERE f2.id = ANY(film_ids)
      OFFSET 0  -- the head computed once per film, not once per column it fills
  ) d
  WHERE f.id = d.id;
  SELECT cinema_search_words_add(ARRAY(
      SELECT f.title || ' ' || f.original_title FROM films f WHERE f.id = ANY(film_ids)
      UNION
      SELECT pe.name || ' ' || coalesce(fp.character, '')
      FROM film_people fp JOIN people pe ON pe.id = fp.person_id
      WHERE fp.film_id = ANY(film_ids)
  ));
$$
"""

# What 0006 defined, for the downgrade.
PREVIOUS_REFRESH_BODY = """
  UPDATE films f SET
      search_vector = v.head
          || setweight(to_tsvector('russian', cinema_norm(f2.description)), 'C')
          || setweight(to_tsvector('english', cinema_norm(f2.description)), 'D'),
      rank_vector = v.head
  FROM films f2
  LEFT JOIN LATERAL (
      SELECT string_agg(pe.name || ' ' || coalesce(fp.character, ''), ' ') AS names
      FROM film_people fp JOIN people pe ON pe.id = fp.person_id
      WHERE fp.film_id = f2.id
  ) p ON true
  CROSS JOIN LATERAL (
      SELECT setweight(to_tsvector('simple', cinema_norm(f2.title || ' ' || f2.original_title)), 'A')
          || setweight(to_tsvector('russian', cinema_norm(f2.title || ' ' || f2.original_title)), 'A')
          || setweight(to_tsvector('english', cinema_norm(f2.title || ' ' || f2.original_title)), 'A')
          || setweight(to_tsvector('simple', cinema_norm(coalesce(p.names, ''))), 'B') AS head
  ) v
  WHERE f.id = f2.id AND f2.id = ANY(film_ids);
"""
PREVIOUS_VOCABULARY_BODY = """
  WITH texts AS (
      SELECT f.title || ' ' || f.original_title AS body FROM films f WHERE f.id = ANY(film_ids)
      UNION ALL
      SELECT pe.name || ' ' || coalesce(fp.character, '')
      FROM film_people fp JOIN people pe ON pe.id = fp.person_id
      WHERE fp.film_id = ANY(film_ids)
  ), words AS (
      SELECT DISTINCT w FROM texts, unnest(tsvector_to_array(to_tsvector('simple', cinema_norm(texts.body)))) AS w WHERE length(w) >= 3
  ), added AS (
      INSERT INTO search_words (word) SELECT w FROM words ORDER BY w
      ON CONFLICT DO NOTHING RETURNING word
  )
  INSERT INTO search_word_variants (variant, word)
  SELECT DISTINCT v, added.word FROM added, unnest(added.word || cinema_deletes(added.word)) AS v
  ON CONFLICT DO NOTHING;
"""


def upgrade() -> None:
    op.execute(HEAD)
    op.execute(DOCUMENT)
    op.execute(WORDS)
    op.execute(REFRESH)


def downgrade() -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION cinema_film_search_refresh(film_ids uuid[]) RETURNS void "
        f"LANGUAGE sql AS $$ {PREVIOUS_REFRESH_BODY} {PREVIOUS_VOCABULARY_BODY} $$"
    )
    op.execute("DROP FUNCTION cinema_search_words_add(text[])")
    op.execute("DROP FUNCTION cinema_film_document(tsvector, text)")
    op.execute("DROP FUNCTION cinema_film_head(text, text, text)")
