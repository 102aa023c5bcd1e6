-- BKN/SIASN agencies with their Kemendagri region crosswalk, and the normalised aliases the enricher
-- matches agency names against. Rows are (re)loaded from netra/reference/agencies.csv and
-- agency_aliases.csv by `netra db migrate` (load_reference), after ref.regions; see PROVENANCE.md there.
-- The FK to ref.regions is checked per row at load time, not here: ref.agencies is empty when this runs.
CREATE TABLE ref.agencies (
    bkn_id      text PRIMARY KEY CHECK (bkn_id ~ '^[0-9A-Fa-f]{32}$'),  -- SIASN instansi id
    bkn_code    text NOT NULL CHECK (bkn_code ~ '^[0-9]{4}$'),        -- SIASN kodeCepat
    name        text NOT NULL,
    type        text CHECK (type IN ('KAB', 'KOT', 'PROV', 'KEMENT', 'LPNK', 'LNS', 'KO')),
    region_code text REFERENCES ref.regions (code),                    -- derived crosswalk; null for central agencies
    jenis       text CHECK (jenis IN ('P', 'D'))
);
CREATE INDEX agencies_region_code_idx ON ref.agencies (region_code);

-- alias is stored normalised (upper case, punctuation to spaces, collapsed whitespace), so lookups are exact.
CREATE TABLE ref.agency_aliases (
    alias  text PRIMARY KEY CHECK (alias ~ '^[A-Z0-9]+( [A-Z0-9]+)*$'),
    bkn_id text NOT NULL REFERENCES ref.agencies (bkn_id),
    kind   text NOT NULL
);
CREATE INDEX agency_aliases_bkn_id_idx ON ref.agency_aliases (bkn_id);

-- Explicit, although the default privileges of 0004_roles.sql already cover tables created by the same owner.
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ref.agencies, ref.agency_aliases TO netra_pipeline;
GRANT SELECT ON ref.agencies, ref.agency_aliases TO netra_analyst;
