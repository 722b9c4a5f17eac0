-- Views for Grafana's PostgreSQL data source (documented in README "Storage backends").
-- Region = the province part of the 6-digit division code (440305 → 440000).

CREATE VIEW v_reports_per_year_region AS
SELECT year,
       CASE WHEN division_code ~ '^[0-9]{6}' THEN left(division_code, 2) || '0000' ELSE 'unknown' END AS region,
       coalesce(level, 'unknown') AS level,
       count(*) AS reports,
       count(*) FILTER (WHERE status = 'valid') AS valid,
       count(*) FILTER (WHERE status = 'warnings') AS warnings,
       count(*) FILTER (WHERE status = 'invalid') AS invalid
FROM reports
GROUP BY 1, 2, 3;

-- 条例 第五十条: the report for year Y is due by 31 January of Y+1. publish_date is what the page
-- states; when it is absent or not an ISO date, fetched_at (first seen) is an upper bound.
CREATE VIEW v_publication_timeliness AS
SELECT doc_id, year, agency, coalesce(level, 'unknown') AS level,
       d.published, d.basis,
       make_date(year + 1, 1, 31) AS deadline,
       d.published - make_date(year + 1, 1, 31) AS days_late,
       d.published <= make_date(year + 1, 1, 31) AS on_time
FROM reports r
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.publish_date ~ '^\d{4}-\d{2}-\d{2}$' THEN r.publish_date::date
                ELSE (r.fetched_at AT TIME ZONE 'Asia/Shanghai')::date END AS published,
           CASE WHEN r.publish_date ~ '^\d{4}-\d{2}-\d{2}$' THEN 'publish_date'
                WHEN r.fetched_at IS NOT NULL THEN 'first_fetched' ELSE 'unknown' END AS basis
) d
WHERE year IS NOT NULL;

CREATE VIEW v_timeliness_by_year AS
SELECT year, level,
       count(*) AS reports,
       count(*) FILTER (WHERE on_time) AS on_time,
       count(*) FILTER (WHERE NOT on_time) AS late,
       count(*) FILTER (WHERE on_time IS NULL) AS unknown,
       avg(days_late) FILTER (WHERE NOT on_time) AS avg_days_late
FROM v_publication_timeliness
GROUP BY 1, 2;

-- share of reports of a year that have at least one finding of the rule
CREATE VIEW v_rule_failure_rates AS
WITH per_year AS (SELECT year, count(*) AS reports FROM reports GROUP BY year)
SELECT r.year, f.rule, f.severity,
       count(DISTINCT f.doc_id) AS failing_reports,
       p.reports AS reports,
       round(count(DISTINCT f.doc_id)::numeric / nullif(p.reports, 0), 4) AS failure_rate
FROM findings f
JOIN reports r ON r.doc_id = f.doc_id
JOIN per_year p ON p.year IS NOT DISTINCT FROM r.year
GROUP BY r.year, f.rule, f.severity, p.reports;

-- T3 totals column: applications received and how they ended, by agency level. Only numeric
-- cells are summed; `reports_with_numbers` says how many reports the sums cover.
CREATE VIEW v_applications_by_level AS
SELECT r.year, coalesce(r.level, 'unknown') AS level,
       count(DISTINCT r.doc_id) AS reports,
       count(DISTINCT c.doc_id) FILTER (WHERE c.row = 'new_received' AND c.value IS NOT NULL) AS reports_with_numbers,
       coalesce(sum(c.value) FILTER (WHERE c.row = 'new_received'), 0) AS new_received,
       coalesce(sum(c.value) FILTER (WHERE c.row = 'results_total'), 0) AS results_total,
       coalesce(sum(c.value) FILTER (WHERE c.row IN ('granted', 'partially_granted')), 0) AS granted,
       coalesce(sum(c.value) FILTER (WHERE c.row LIKE 'denied\_%'), 0) AS denied,
       round(sum(c.value) FILTER (WHERE c.row LIKE 'denied\_%')
             / nullif(sum(c.value) FILTER (WHERE c.row = 'results_total'), 0), 4) AS denial_rate
FROM reports r
LEFT JOIN (SELECT c.doc_id, k.row, c.value FROM cells c JOIN cell_keys k ON k.id = c.key
           WHERE k.tbl = 'applications' AND k.col = 'total') c ON c.doc_id = r.doc_id
GROUP BY 1, 2;
