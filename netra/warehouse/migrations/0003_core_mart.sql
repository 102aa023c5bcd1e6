-- core: the current state of every case, rebuilt from raw.events by reconcile (DESIGN.md §5-6).
CREATE TABLE core.reports (
    report_id   text PRIMARY KEY,
    kind        text NOT NULL,
    election_id text NOT NULL,
    region_code text NOT NULL,
    province_code text NOT NULL,
    filed_on    date NOT NULL,
    category    text NOT NULL,
    event_id    uuid NOT NULL
);
CREATE TABLE core.subjects (
    report_id text NOT NULL,
    ordinal   int  NOT NULL,
    nip       text,
    asn_key   text,
    name      text NOT NULL,
    agency    text NOT NULL,
    PRIMARY KEY (report_id, ordinal)
);
CREATE TABLE core.decisions (
    report_id   text PRIMARY KEY,
    decision    text NOT NULL,
    decided_on  date NOT NULL,
    proven_nips text[] NOT NULL,
    event_id    uuid NOT NULL
);
CREATE TABLE core.recommendations (
    recommendation_id text PRIMARY KEY,
    report_id     text NOT NULL,
    nip           text NOT NULL,
    asn_key       text,
    issuer        text NOT NULL,
    level         text NOT NULL,
    sanction_code int,
    ppk_agency    text NOT NULL,
    issued_on     date NOT NULL,
    event_id      uuid NOT NULL
);
CREATE TABLE core.recommendation_closures (
    recommendation_id text PRIMARY KEY,
    reason    text NOT NULL,
    closed_on date NOT NULL
);
CREATE TABLE core.sanctions (
    sanction_id        text PRIMARY KEY,
    nip                text,
    name               text NOT NULL,
    agency             text NOT NULL,
    sanction_code      int  NOT NULL,
    sanction_level     text,
    decree_date        date NOT NULL,
    effective_from     date NOT NULL,
    effective_to       date,
    recommendation_ref text,
    event_id           uuid NOT NULL
);
CREATE TABLE core.sanction_revocations (
    sanction_id text PRIMARY KEY,
    revoked_on  date NOT NULL,
    reason      text NOT NULL
);
CREATE TABLE core.links (
    recommendation_id text PRIMARY KEY,
    sanction_id       text NOT NULL UNIQUE,
    link_method       text NOT NULL CHECK (link_method IN ('reference', 'nip', 'fuzzy')),
    link_score        numeric(4, 3) NOT NULL
);

-- mart: the analyst interface (contract). Rebuilt atomically by reconcile.
CREATE TABLE mart.followthrough (
    recommendation_id       text PRIMARY KEY,
    report_id               text NOT NULL,
    election_id             text,
    region_code             text,
    province_code           text,
    ppk_agency              text NOT NULL,
    category                text,
    asn_key                 text,
    recommended_level       text NOT NULL,
    issued_on               date NOT NULL,
    status                  text NOT NULL CHECK (status IN ('sanctioned', 'pending', 'overdue', 'closed', 'revoked')),
    sanction_id             text,
    sanction_code           int,
    sanction_level          text,
    decree_date             date,
    days_to_sanction        int,
    severity_vs_recommended text CHECK (severity_vs_recommended IN ('as_recommended', 'lighter', 'heavier')),
    link_method             text CHECK (link_method IN ('reference', 'nip', 'fuzzy')),
    link_score              numeric(4, 3),
    as_of                   date NOT NULL
);
CREATE TABLE mart.followthrough_summary (
    election_id             text NOT NULL,
    province_code           text NOT NULL,
    region_code             text NOT NULL,
    reported_asn            int  NOT NULL,
    proven_asn              int  NOT NULL,
    recommended             int  NOT NULL,
    sanctioned              int  NOT NULL,
    revoked                 int  NOT NULL,
    pending                 int  NOT NULL,
    overdue                 int  NOT NULL,
    closed                  int  NOT NULL,
    followthrough_rate      numeric(5, 4),
    median_days_to_sanction numeric(7, 1),
    as_of                   date NOT NULL,
    PRIMARY KEY (election_id, province_code, region_code)
);
