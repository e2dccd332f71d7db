"""The floor: the claims list page computed by one hand-written SQL query (``json_agg``).

The same page as ``GET /api/claims/?page=N`` for the same user: the same visibility rule (TLP
2.0 markings, sharing groups, named recipients, archived rows left out, citations of hidden
publications left out), the same ordering and page size, the same nested citations with
publication and source, units with their ORBAT path, topics, places, numbers and related
claims, and the total count. PostgreSQL builds the whole JSON document; Python only sends the
query. The ratio app/floor is the price of Django, DRF and the serializers.

Written for the benchmark, never used by the app: the app's rule lives in
``core.markings.marking_q``; ``tests/bench/test_floor.py`` checks both give the same page.
"""

from typing import Any

# Who may see a record of table {table} (alias {alias}); %(user)s is the reader.
_VISIBLE = """
    {alias}.archived_at IS NULL AND (
        {alias}.marking IN ('clear', 'green')
        OR ({alias}.marking IN ('amber', 'amber+strict') AND {alias}.id IN (
            SELECT {fk} FROM {table}_sharing_groups
            WHERE group_id IN (SELECT group_id FROM auth_user_groups WHERE user_id = %(user)s)))
        OR {alias}.id IN (SELECT {fk} FROM {table}_shared_with WHERE user_id = %(user)s)
        OR ({alias}.marking = 'amber' AND EXISTS (
            SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
            WHERE ug.user_id = %(user)s AND g.name IN ('editor', 'admin')))
    )"""

CLAIM_VISIBLE = _VISIBLE.format(alias="v", table="claims_claim", fk="claim_id")
PUBLICATION_VISIBLE = _VISIBLE.format(alias="p", table="sources_publication", fk="publication_id")

LIST_SQL = f"""
WITH visible AS NOT MATERIALIZED (
    SELECT v.id, v.occurred_start FROM claims_claim v WHERE {CLAIM_VISIBLE}
),
page AS (
    SELECT c.* FROM claims_claim c
    JOIN (SELECT id FROM visible ORDER BY occurred_start DESC NULLS LAST, id DESC
          LIMIT %(limit)s OFFSET %(offset)s) chosen USING (id)
)
SELECT json_build_object(
    'count', (SELECT count(*) FROM visible),
    'results', COALESCE((
        SELECT json_agg(json_build_object(
            'id', c.id,
            'uuid', c.uuid,
            'title', c.title,
            'statement', c.statement,
            'kind', c.kind,
            'status', c.status,
            'suggested_status', c.suggested_status,
            'grade', NULLIF(c.best_grade, ''),
            'independent_lines', c.independent_lines,
            'disputes', c.disputes,
            'confidence', c.confidence,
            'marking', c.marking,
            'occurred', json_build_object(
                'start', c.occurred_start, 'end', c.occurred_end,
                'precision', c.occurred_precision, 'ongoing', c.ongoing),
            'topics', (
                SELECT COALESCE(json_agg(json_build_object(
                    'id', t.id, 'name', t.name, 'slug', t.slug) ORDER BY t.name), '[]')
                FROM claims_claim_topics ct JOIN claims_topic t ON t.id = ct.topic_id
                WHERE ct.claim_id = c.id),
            'locations', (
                SELECT COALESCE(json_agg(json_build_object(
                    'id', l.id, 'name', l.name, 'kind', l.kind, 'latitude', l.latitude,
                    'longitude', l.longitude, 'precision', l.precision) ORDER BY l.name), '[]')
                FROM claims_claim_locations cl JOIN claims_location l ON l.id = cl.location_id
                WHERE cl.claim_id = c.id),
            'quantities', (
                SELECT COALESCE(json_agg(json_build_object(
                    'measure', q.measure, 'low', q.low, 'high', q.high,
                    'unit_of_measure', q.unit_of_measure, 'approximate', q.approximate,
                    'as_of', q.as_of, 'note', q.note) ORDER BY q.id), '[]')
                FROM claims_quantity q WHERE q.claim_id = c.id),
            'units', (
                SELECT COALESCE(json_agg(json_build_object(
                    'unit', json_build_object(
                        'id', u.id, 'name', u.name, 'abbreviation', u.abbreviation,
                        'echelon', u.echelon, 'country', u.country),
                    'orbat_path', (
                        WITH RECURSIVE chain(id, parent_id, label, depth) AS (
                            SELECT u.id, u.parent_id,
                                   COALESCE(NULLIF(u.abbreviation, ''), u.name), 0
                            UNION ALL
                            SELECT up.id, up.parent_id,
                                   COALESCE(NULLIF(up.abbreviation, ''), up.name), depth + 1
                            FROM units_unit up JOIN chain ON up.id = chain.parent_id
                            WHERE depth < 64)
                        SELECT string_agg(label, ' › ' ORDER BY depth) FROM chain),
                    'role', i.role,
                    'attributed_by', CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object(
                        'id', a.id, 'name', a.name, 'kind', a.kind, 'country', a.country,
                        'reliability', a.reliability) END,
                    'note', i.note) ORDER BY i.id), '[]')
                FROM claims_unitinvolvement i
                JOIN units_unit u ON u.id = i.unit_id
                LEFT JOIN sources_source a ON a.id = i.attributed_by_id
                WHERE i.claim_id = c.id),
            'citations', (
                SELECT COALESCE(json_agg(json_build_object(
                    'id', t.id,
                    'uuid', t.uuid,
                    'publication', json_build_object(
                        'id', p.id, 'title', p.title, 'kind', p.kind,
                        'published_on', p.published_on,
                        'published_precision', p.published_precision,
                        'url', p.url, 'marking', p.marking,
                        'source', json_build_object(
                            'id', s.id, 'name', s.name, 'kind', s.kind,
                            'country', s.country, 'reliability', s.reliability)),
                    'stance', t.stance,
                    'excerpt', t.excerpt,
                    'excerpt_language', t.excerpt_language,
                    'translation', t.translation,
                    'locator', json_build_object(
                        'page', t.locator_page, 'paragraph', t.locator_paragraph,
                        'timestamp', t.locator_timestamp, 'footnote', t.locator_footnote),
                    'credibility', t.credibility,
                    'grade', s.reliability || t.credibility,
                    'note', t.note,
                    'created_at', t.created_at,
                    'updated_at', t.updated_at)
                    ORDER BY p.published_on, t.id), '[]')
                FROM claims_citation t
                JOIN sources_publication p ON p.id = t.publication_id
                JOIN sources_source s ON s.id = p.source_id
                WHERE t.claim_id = c.id AND t.archived_at IS NULL AND {PUBLICATION_VISIBLE}),
            'related', (
                SELECT COALESCE(json_agg(json_build_object(
                    'claim', json_build_object(
                        'id', o.id, 'title', o.title, 'kind', o.kind, 'status', o.status,
                        'marking', o.marking),
                    'kind', r.kind, 'note', r.note) ORDER BY r.id), '[]')
                FROM claims_claimrelation r JOIN claims_claim o ON o.id = r.to_claim_id
                WHERE r.from_claim_id = c.id AND o.id IN (SELECT id FROM visible)),
            'notes', c.notes,
            'created_at', c.created_at,
            'created_by', (SELECT username FROM auth_user WHERE id = c.created_by_id),
            'updated_at', c.updated_at,
            'updated_by', (SELECT username FROM auth_user WHERE id = c.updated_by_id)
        ) ORDER BY c.occurred_start DESC NULLS LAST, c.id DESC)
        FROM page c), '[]')
)
"""


# The same page without the total count: what the page alone costs (an exact count of a
# million visible rows is most of the time at that size).
LIST_SQL_NO_COUNT = LIST_SQL.replace("'count', (SELECT count(*) FROM visible)", "'count', NULL")


def floor_list(
    pg_connection: Any, user_id: int, page: int = 1, page_size: int = 50, count: bool = True
) -> dict:
    """The claims list page ``page`` for ``user_id`` as one JSON document, in one query.

    ``pg_connection`` is a psycopg 3 connection (the benchmark's own, or Django's underlying
    one in tests). The JSON is parsed by psycopg, as a client would.
    """
    params = {"user": user_id, "limit": page_size, "offset": (page - 1) * page_size}
    with pg_connection.cursor() as cursor:
        cursor.execute(LIST_SQL if count else LIST_SQL_NO_COUNT, params)
        return cursor.fetchone()[0]
