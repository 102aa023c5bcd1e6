-- Reference tables; rows are (re)loaded from the files in netra/reference by `netra db migrate`.
CREATE TABLE ref.regions (
    code          text PRIMARY KEY,
    name          text NOT NULL,
    level         text NOT NULL CHECK (level IN ('province', 'regency')),
    province_code text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('provinsi', 'kabupaten', 'kota')),
    edition       text NOT NULL
);
CREATE TABLE ref.sanction_types (
    code   int PRIMARY KEY,
    name   text NOT NULL,
    level  text NOT NULL CHECK (level IN ('moral', 'ringan', 'sedang', 'berat')),
    legacy boolean NOT NULL
);
CREATE TABLE ref.elections (
    election_id    text PRIMARY KEY,
    campaign_start date NOT NULL,
    campaign_end   date NOT NULL,
    voting_day     date NOT NULL
);
CREATE TABLE ref.violation_categories (
    code             text PRIMARY KEY,
    description      text NOT NULL,
    discipline_level text NOT NULL
);
