"""search vocabulary for typo correction

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

Typos are corrected word by word before the full-text match, against the words of every
title, original title, person and character name (the "vocabulary"), with symmetric
deletes (SymSpell): each vocabulary word is stored with every string made by deleting one
of its letters, and a query word finds its candidates, the words one insertion, deletion,
substitution or transposition away, by equality lookups on a B-tree. The corrected query
is then an ordinary GIN full-text match, which stays fast on any catalog size; pg_trgm is
left for ranking and for the rare query whose words match nothing. Ranking reads a smaller
copy of the document without the description (`films.rank_vector`).

`cinema_search_query(q, lenient)` turns a query string into that tsquery: every word (or one
of its corrections) must match; the last word, unless it is a whole vocabulary word, also
as a prefix while it is being typed; `lenient` leaves out the words that match no vocabulary
word at all. NULL when no word is left (e.g. only stop words). `cinema_film_search_refresh`
now also adds the films' words to the vocabulary.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REFRESH_BODY = """
  UPDATE films f SET search_vector =
      setweight(to_tsvector('simple', cinema_norm(f.title || ' ' || f.original_title)), 'A')
   || setweight(to_tsvector('russian', cinema_norm(f.title || ' ' || f.original_title)), 'A')
   || setweight(to_tsvector('english', cinema_norm(f.title || ' ' || f.original_title)), 'A')
   || setweight(to_tsvector('simple', cinema_norm(coalesce(p.names, ''))), 'B')
   || setweight(to_tsvector('russian', cinema_norm(f.description)), 'C')
   || setweight(to_tsvector('english', cinema_norm(f.description)), 'D')
  FROM films f2
  LEFT JOIN LATERAL (
      SELECT string_agg(pe.name || ' ' || coalesce(fp.character, ''), ' ') AS names
      FROM film_people fp JOIN people pe ON pe.id = fp.person_id
      WHERE fp.film_id = f2.id
  ) p ON true
  WHERE f.id = f2.id AND f2.id = ANY(film_ids);
"""

# The same document, and beside it the part ranking reads (titles and people, no description):
# ts_rank walks the whole vector of every match, and the description is most of it.
RANKED_REFRESH_BODY = """
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

# The words are those the `simple` configuration indexes, so the vocabulary, the query and
# the search vector agree on what a word is.
VOCABULARY_BODY = """
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

SEARCH_QUERY = """
CREATE FUNCTION cinema_search_query(q text, lenient boolean DEFAULT false) RETURNS tsquery
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  words tsvector := to_tsvector('simple', cinema_norm(q));
  final text;
  token text;
  alternative text;
  known boolean;
  resolved boolean;
  part tsquery;
  result tsquery;
BEGIN
  IF q !~ '[[:space:][:punct:]]$' THEN  -- the last word may be half typed: also a prefix
    SELECT u.lexeme INTO final FROM unnest(words) AS u
    ORDER BY u.positions[array_length(u.positions, 1)] DESC LIMIT 1;
  END IF;
  FOREACH token IN ARRAY tsvector_to_array(words) LOOP
    -- A stop word of either language: the stemmed parts of the documents never hold it.
    CONTINUE WHEN numnode(plainto_tsquery('english', token)) = 0
               OR numnode(plainto_tsquery('russian', token)) = 0;
    part := plainto_tsquery('simple', token) || plainto_tsquery('russian', token)
         || plainto_tsquery('english', token);
    known := EXISTS (SELECT 1 FROM search_words AS w WHERE w.word = token);
    resolved := known;
    IF NOT known AND length(token) >= 3 THEN
      FOR alternative IN
        SELECT DISTINCT v.word FROM search_word_variants AS v
        WHERE v.variant = ANY (token || cinema_deletes(token)) AND cinema_one_edit(v.word, token)
        ORDER BY v.word LIMIT 12
      LOOP
        part := part || plainto_tsquery('simple', alternative) || plainto_tsquery('russian', alternative)
             || plainto_tsquery('english', alternative);
        resolved := true;
      END LOOP;
    END IF;
    -- A whole vocabulary word is taken as typed: its prefix would also scan every longer
    -- word's postings (городской, города, ... for город), several times the cost.
    IF token = final AND NOT known AND length(token) >= 2 AND strpos(token, chr(92)) = 0 THEN
      part := part || to_tsquery('simple', quote_literal(token) || ':*');
      resolved := true;
    END IF;
    -- Lenient: a word that matches no vocabulary word, even with one typo, is left out.
    CONTINUE WHEN lenient AND NOT resolved;
    result := CASE WHEN result IS NULL THEN part ELSE result && part END;
  END LOOP;
  RETURN result;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "search_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.create_table(
        "search_word_variants",
        sa.Column("variant", sa.Text(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("variant", "word", name=op.f("pk_search_word_variants")),
    )
    op.execute(
        """
        CREATE FUNCTION cinema_deletes(word text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT coalesce(array_agg(overlay(word PLACING '' FROM i FOR 1)), '{}')
          FROM generate_series(1, length(word)) AS i
        $$
        """
    )
    # Shared deletes also pair words two edits apart ("кто" and "ком" both give "ко"): the
    # candidates are kept only when one insertion, deletion, substitution or transposition
    # of adjacent letters turns one into the other.
    op.execute(
        """
        CREATE FUNCTION cinema_one_edit(a text, b text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT CASE
            WHEN length(a) = length(b) + 1 THEN b = ANY (cinema_deletes(a))
            WHEN length(b) = length(a) + 1 THEN a = ANY (cinema_deletes(b))
            WHEN length(a) = length(b) THEN a <> b AND EXISTS (
              SELECT 1 FROM generate_series(1, length(a)) AS i
              WHERE overlay(a PLACING '' FROM i FOR 1) = overlay(b PLACING '' FROM i FOR 1)
                 OR (i < length(a) AND overlay(a PLACING substr(a, i + 1, 1) || substr(a, i, 1) FROM i FOR 2) = b)
            )
            ELSE false
          END
        $$
        """
    )
    op.add_column("films", sa.Column("rank_vector", postgresql.TSVECTOR(), nullable=True))
    op.execute(
        "CREATE OR REPLACE FUNCTION cinema_film_search_refresh(film_ids uuid[]) RETURNS void "
        f"LANGUAGE sql AS $$ {RANKED_REFRESH_BODY} {VOCABULARY_BODY} $$"
    )
    op.execute(SEARCH_QUERY)
    op.execute("SELECT cinema_film_search_refresh(array_agg(id)) FROM films HAVING count(*) > 0")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS cinema_search_query(text, boolean)")
    op.execute(
        "CREATE OR REPLACE FUNCTION cinema_film_search_refresh(film_ids uuid[]) RETURNS void "
        f"LANGUAGE sql AS $$ {REFRESH_BODY} $$"
    )
    op.execute("DROP FUNCTION IF EXISTS cinema_one_edit(text, text)")
    op.execute("DROP FUNCTION IF EXISTS cinema_deletes(text)")
    op.drop_column("films", "rank_vector")
    op.drop_table("search_word_variants")
    op.drop_table("search_words")
