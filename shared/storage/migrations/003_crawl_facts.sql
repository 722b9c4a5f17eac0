-- Crawl facts the fetcher keeps in the index, so that `nianbao missing` can tell a listed but
-- unreachable report (404/410, since when) and an incompletely listed column apart from silence
-- after the crawl's broker is gone. The same tables as the SQLite store's schema 5.

CREATE TABLE dead_links (
    url text PRIMARY KEY,
    portal text NOT NULL,
    status integer NOT NULL,
    title text,
    report_year integer,
    companion text,
    since double precision NOT NULL,
    last_checked double precision NOT NULL
);
CREATE INDEX dead_links_portal_year ON dead_links (portal, report_year);

CREATE TABLE portal_coverage (
    portal text PRIMARY KEY,
    declared integer,
    reached integer NOT NULL,
    unit text NOT NULL,
    checked_at double precision NOT NULL
);
