-- The fuzzy pool members on the other side that could pair with each of these (netra/reconcile/relink.py
-- scores them with the rules): a superset of the fuzzy step's blocking (netra/reconcile/fuzzy.py). Two usable
-- NIPs at most two edits apart differ in at most four digits, so they agree on one of five segments of the 18,
-- and their places are the same or one is unknown; without a usable NIP on one side the places are the same.
-- Each member once, whichever of these it could pair with: the rules then say which pairs are candidates.
WITH f (other, place, nip) AS (
    SELECT u.other, u.place, u.nip FROM unnest(%(others)s::text[], %(places)s::text[], %(nips)s::text[]) AS u(other, place, nip)
)
SELECT p.side, p.id FROM f JOIN core.fuzzy_pool p ON p.side = f.other AND substr(p.nip, 1, 4) = substr(f.nip, 1, 4)
WHERE f.place IS NULL OR p.place IS NULL OR p.place = f.place
UNION
SELECT p.side, p.id FROM f JOIN core.fuzzy_pool p ON p.side = f.other AND substr(p.nip, 5, 4) = substr(f.nip, 5, 4)
WHERE f.place IS NULL OR p.place IS NULL OR p.place = f.place
UNION
SELECT p.side, p.id FROM f JOIN core.fuzzy_pool p ON p.side = f.other AND substr(p.nip, 9, 4) = substr(f.nip, 9, 4)
WHERE f.place IS NULL OR p.place IS NULL OR p.place = f.place
UNION
SELECT p.side, p.id FROM f JOIN core.fuzzy_pool p ON p.side = f.other AND substr(p.nip, 13, 3) = substr(f.nip, 13, 3)
WHERE f.place IS NULL OR p.place IS NULL OR p.place = f.place
UNION
SELECT p.side, p.id FROM f JOIN core.fuzzy_pool p ON p.side = f.other AND substr(p.nip, 16, 3) = substr(f.nip, 16, 3)
WHERE f.place IS NULL OR p.place IS NULL OR p.place = f.place
UNION
SELECT p.side, p.id FROM f JOIN core.fuzzy_pool p ON p.side = f.other AND p.place = f.place
WHERE f.nip IS NULL OR p.nip IS NULL;
