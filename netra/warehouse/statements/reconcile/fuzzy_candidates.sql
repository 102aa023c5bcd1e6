-- The fuzzy pool members on the other side that could pair with each of these (netra/reconcile/relink.py
-- scores them with the rules): a superset of the fuzzy step's blocking (netra/reconcile/fuzzy.py). Two usable
-- NIPs at most two edits apart differ in at most four digits, so they agree on one of five segments of the 18,
-- and their places are the same or one is unknown; without a usable NIP on one side the places are the same.
-- Each member once, whichever of these it could pair with: the rules then say which pairs are candidates.
-- The place is part of each join key rather than a filter after it: some segments have few values (digits 13-15
-- are a month and the gender digit), and at 1M x 1M joining on the segment alone paired 3,000 keys with ~10M pool
-- members before the place filter dropped almost all of them. A key with a place probes its place and '' (a
-- member of no place); a key without one probes by segment alone. Each probe through its index (LATERAL ...
-- OFFSET 0, as reconcile/link_by_keys_recommendations.sql says why).
WITH f (other, place, nip) AS MATERIALIZED (
    SELECT u.other, u.place, u.nip FROM unnest(%(others)s::text[], %(places)s::text[], %(nips)s::text[]) AS u(other, place, nip)
), placed AS MATERIALIZED (
    SELECT f.other, f.nip, p.place FROM f CROSS JOIN LATERAL (VALUES (f.place), ('')) AS p(place)
    WHERE f.place IS NOT NULL AND f.nip IS NOT NULL
), unplaced AS MATERIALIZED (
    SELECT f.other, f.nip FROM f WHERE f.place IS NULL AND f.nip IS NOT NULL
)
SELECT c.side, c.id FROM placed k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other AND coalesce(p.place, '') = k.place
        AND substr(p.nip, 1, 4) = substr(k.nip, 1, 4) OFFSET 0) c
UNION
SELECT c.side, c.id FROM placed k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other AND coalesce(p.place, '') = k.place
        AND substr(p.nip, 5, 4) = substr(k.nip, 5, 4) OFFSET 0) c
UNION
SELECT c.side, c.id FROM placed k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other AND coalesce(p.place, '') = k.place
        AND substr(p.nip, 9, 4) = substr(k.nip, 9, 4) OFFSET 0) c
UNION
SELECT c.side, c.id FROM placed k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other AND coalesce(p.place, '') = k.place
        AND substr(p.nip, 13, 3) = substr(k.nip, 13, 3) OFFSET 0) c
UNION
SELECT c.side, c.id FROM placed k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other AND coalesce(p.place, '') = k.place
        AND substr(p.nip, 16, 3) = substr(k.nip, 16, 3) OFFSET 0) c
UNION
SELECT c.side, c.id FROM unplaced k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other
        AND substr(p.nip, 1, 4) = substr(k.nip, 1, 4) OFFSET 0) c
UNION
SELECT c.side, c.id FROM unplaced k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other
        AND substr(p.nip, 5, 4) = substr(k.nip, 5, 4) OFFSET 0) c
UNION
SELECT c.side, c.id FROM unplaced k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other
        AND substr(p.nip, 9, 4) = substr(k.nip, 9, 4) OFFSET 0) c
UNION
SELECT c.side, c.id FROM unplaced k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other
        AND substr(p.nip, 13, 3) = substr(k.nip, 13, 3) OFFSET 0) c
UNION
SELECT c.side, c.id FROM unplaced k CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = k.other
        AND substr(p.nip, 16, 3) = substr(k.nip, 16, 3) OFFSET 0) c
UNION
SELECT c.side, c.id FROM f CROSS JOIN LATERAL (
    SELECT p.side, p.id FROM core.fuzzy_pool p WHERE p.side = f.other AND p.place = f.place
        AND (f.nip IS NULL OR p.nip IS NULL) OFFSET 0) c;
