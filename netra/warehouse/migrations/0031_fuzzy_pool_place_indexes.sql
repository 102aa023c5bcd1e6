-- Issue 11: reconcile/fuzzy_candidates.sql looks each key up by its place and one NIP segment together. Joined on
-- the segment alone, with the place a filter after it, 3,000 keys met ~10M pool members at 1M x 1M (digits 13-15
-- are a month and the gender digit: few values) and the statement took 2-3 s; by these indexes, 0.3 s, same rows.
-- '' stands for no place: a key with a place probes its own and ''.
CREATE INDEX IF NOT EXISTS fuzzy_pool_place_nip_1 ON core.fuzzy_pool (side, coalesce(place, ''), substr(nip, 1, 4));
CREATE INDEX IF NOT EXISTS fuzzy_pool_place_nip_2 ON core.fuzzy_pool (side, coalesce(place, ''), substr(nip, 5, 4));
CREATE INDEX IF NOT EXISTS fuzzy_pool_place_nip_3 ON core.fuzzy_pool (side, coalesce(place, ''), substr(nip, 9, 4));
CREATE INDEX IF NOT EXISTS fuzzy_pool_place_nip_4 ON core.fuzzy_pool (side, coalesce(place, ''), substr(nip, 13, 3));
CREATE INDEX IF NOT EXISTS fuzzy_pool_place_nip_5 ON core.fuzzy_pool (side, coalesce(place, ''), substr(nip, 16, 3));
