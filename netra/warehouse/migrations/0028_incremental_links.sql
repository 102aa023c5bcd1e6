-- Issue 11: the incremental link step (netra/reconcile/relink.py) re-runs the link ladder only for the
-- recommendations and sanctions whose outcome a change can affect: those that share a NIP or a normalised
-- reference with a changed one (and theirs, transitively). These indexes are how it finds them.
CREATE INDEX IF NOT EXISTS recommendations_nip_idx ON core.recommendations (nip);
CREATE INDEX IF NOT EXISTS sanctions_nip_idx ON core.sanctions (nip);
CREATE INDEX IF NOT EXISTS sanctions_recommendation_ref_idx ON core.sanctions (recommendation_ref);

-- A normalised reference (netra.reconcile.rules.normalise_reference: the one implementation, in Python) that
-- differs from the text it was made from: a recommendation id or a sanction's recommendation_ref as typed.
-- Most ids are already normalised and need no row; the link step writes a row for every other one, so a
-- reference can be looked up in SQL by its normalised form.
CREATE TABLE core.reference_keys (
    side    text NOT NULL CHECK (side IN ('recommendation', 'sanction')),
    id      text NOT NULL,  -- recommendation_id or sanction_id
    ref_key text NOT NULL,
    PRIMARY KEY (side, id)
);
CREATE INDEX reference_keys_key_idx ON core.reference_keys (ref_key, side);
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON core.reference_keys TO netra_pipeline;

-- What the last published run's links and marts were made with: an incremental run keeps core.links only
-- when the link settings and rules are the same (link_settings), and recomputes only the changed mart rows
-- only when the as-of day, SLA and small-cell k are the same (marts_settings). Null: recompute in full.
ALTER TABLE core.reconcile_state ADD COLUMN link_settings text, ADD COLUMN marts_settings text;
-- Where the next run starts reading raw.events (reconcile/landed_since.sql): the watermark, or before it the
-- start of the oldest transaction that was still open and could land events; null: the fixed overlap.
ALTER TABLE core.reconcile_state ADD COLUMN read_from timestamptz;

-- The mart rows a reconcile recomputes are replaced by key; these find the rows that a changed sanction,
-- report or region touches.
CREATE INDEX IF NOT EXISTS followthrough_sanction_idx ON mart.followthrough (sanction_id);
CREATE INDEX IF NOT EXISTS recommendations_report_idx ON core.recommendations (report_id);

-- The fuzzy step's pool: every leftover of steps 1-2 (a recommendation they did not link, a sanction neither
-- linked nor out of scope) that has a name, with its place (rules.normalise_agency) and 18-digit NIP
-- (rules.normalise_nip), both made in Python by the link step. An incremental run finds in it, by these
-- indexes, the leftovers a change can pair with (netra/reconcile/relink.py).
CREATE TABLE core.fuzzy_pool (
    side  text NOT NULL CHECK (side IN ('recommendation', 'sanction')),
    id    text NOT NULL,
    place text,   -- null: the agency names no place
    nip   text,   -- null: missing or malformed
    PRIMARY KEY (side, id)
);
CREATE INDEX fuzzy_pool_nip_1 ON core.fuzzy_pool (side, substr(nip, 1, 4));
CREATE INDEX fuzzy_pool_nip_2 ON core.fuzzy_pool (side, substr(nip, 5, 4));
CREATE INDEX fuzzy_pool_nip_3 ON core.fuzzy_pool (side, substr(nip, 9, 4));
CREATE INDEX fuzzy_pool_nip_4 ON core.fuzzy_pool (side, substr(nip, 13, 3));
CREATE INDEX fuzzy_pool_nip_5 ON core.fuzzy_pool (side, substr(nip, 16, 3));
CREATE INDEX fuzzy_pool_place ON core.fuzzy_pool (side, place);
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON core.fuzzy_pool TO netra_pipeline;
