-- nianbao search store, PostgreSQL. One row per doc_id in `reports` (its latest version), every
-- cell in a typed long table, findings, and the history of versions. Every table is keyed by
-- doc_id first so that Citus can distribute them co-located:
--   SELECT create_distributed_table('reports', 'doc_id');
--   SELECT create_distributed_table('cells', 'doc_id', colocate_with => 'reports'); (same for
--   findings, versions)

CREATE TABLE reports (
    doc_id            text PRIMARY KEY,
    version           text NOT NULL,
    portal            text NOT NULL,
    url               text NOT NULL,
    object_key        text NOT NULL,
    agency            text,
    agency_name       text,
    division_code     text,
    level             text,
    year              integer,
    format            text NOT NULL,
    status            text NOT NULL,
    title             text,
    publish_date      text,           -- ISO date as stated by the page; views cast it safely
    fetched_at        timestamptz,
    indexed_at        timestamptz NOT NULL,
    parser_version    text NOT NULL,
    validator_version text NOT NULL,
    source_modality   text NOT NULL,
    content_type      text,
    n_findings        integer NOT NULL,
    body              text NOT NULL,
    tsv               tsvector NOT NULL,  -- to_tsvector('simple', rjieba-segmented body)
    report            jsonb NOT NULL      -- the ParsedReport as the parser produced it
);
CREATE INDEX reports_tsv ON reports USING gin (tsv);
CREATE INDEX reports_year_agency ON reports (year, agency);
CREATE INDEX reports_agency_year ON reports (agency, year);
CREATE INDEX reports_agency_name_year ON reports (agency_name, year);
CREATE INDEX reports_status ON reports (status);
CREATE INDEX reports_versions ON reports (parser_version, validator_version);

CREATE TABLE cells (
    doc_id text NOT NULL,             -- no FK: a per-row trigger would halve COPY speed; the
    tbl    text NOT NULL,
    row    text NOT NULL,
    col    text NOT NULL,
    value  numeric,                   -- only when kind = 'number': a blank is never a 0
    kind   text NOT NULL,
    raw    text NOT NULL,
    unit   text,
    note   text,
    PRIMARY KEY (doc_id, tbl, row, col)
);
-- sums and filters over one cell across reports ("new applications by year")
CREATE INDEX cells_key ON cells (tbl, row, col) INCLUDE (value, doc_id);

CREATE TABLE findings (
    doc_id   text NOT NULL,           -- upsert deletes and rewrites a doc's rows itself
    seq      integer NOT NULL,
    rule     text NOT NULL,
    severity text NOT NULL,
    message  text NOT NULL,
    cells    jsonb NOT NULL,
    tags     jsonb NOT NULL,
    PRIMARY KEY (doc_id, seq)
);
CREATE INDEX findings_rule ON findings (rule, doc_id);

CREATE TABLE versions (
    doc_id           text NOT NULL,
    version          text NOT NULL,
    first_indexed_at timestamptz NOT NULL,
    last_indexed_at  timestamptz NOT NULL,
    status           text NOT NULL,
    PRIMARY KEY (doc_id, version)
);
