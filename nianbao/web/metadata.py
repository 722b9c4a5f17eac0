"""What the web view ships with: Chinese titles and descriptions, facets, canned queries, and the
views that mirror PostgreSQL's v_* views (shared/storage/migrations/002_grafana_views.sql) on the
SQLite snapshot. Pure data; nianbao/web/app.py hands it to Datasette.
"""

from __future__ import annotations

DB = "web"  # the snapshot's database name in URLs: /web/reports

# SQLite spellings of the PostgreSQL views (same names and columns, so dashboards' SQL carries over)
VIEWS = {
    "v_reports_per_year_region": """
SELECT year,
       CASE WHEN division_code GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]*'
            THEN substr(division_code, 1, 2) || '0000' ELSE 'unknown' END AS region,
       coalesce(level, 'unknown') AS level,
       count(*) AS reports,
       sum(status = 'valid') AS valid,
       sum(status = 'warnings') AS warnings,
       sum(status = 'invalid') AS invalid
FROM reports GROUP BY 1, 2, 3""",
    "v_publication_timeliness": """
SELECT doc_id, year, agency_name AS agency, coalesce(level, 'unknown') AS level,
       coalesce(publish_date, substr(fetched_at, 1, 10)) AS published,
       CASE WHEN publish_date IS NOT NULL THEN 'publish_date'
            WHEN fetched_at IS NOT NULL THEN 'first_fetched' ELSE 'unknown' END AS basis,
       (year + 1) || '-01-31' AS deadline,
       CAST(julianday(coalesce(publish_date, substr(fetched_at, 1, 10)))
            - julianday((year + 1) || '-01-31') AS INTEGER) AS days_late,
       coalesce(publish_date, substr(fetched_at, 1, 10)) <= (year + 1) || '-01-31' AS on_time
FROM reports""",
    "v_timeliness_by_year": """
SELECT year, level, count(*) AS reports, sum(on_time = 1) AS on_time, sum(on_time = 0) AS late,
       sum(on_time IS NULL) AS unknown, avg(CASE WHEN on_time = 0 THEN days_late END) AS avg_days_late
FROM v_publication_timeliness GROUP BY 1, 2""",
    "v_rule_failure_rates": """
WITH per_year AS (SELECT year, count(*) AS reports FROM reports GROUP BY year)
SELECT r.year, f.rule, f.severity, count(DISTINCT f.doc_id) AS failing_reports,
       p.reports AS reports, round(CAST(count(DISTINCT f.doc_id) AS REAL) / p.reports, 4) AS failure_rate
FROM findings f JOIN reports r ON r.doc_id = f.doc_id JOIN per_year p ON p.year IS r.year
GROUP BY r.year, f.rule, f.severity, p.reports""",
    "v_applications_by_level": """
SELECT r.year, coalesce(r.level, 'unknown') AS level, count(*) AS reports,
       count("applications.new_received.total") AS reports_with_numbers,
       coalesce(sum("applications.new_received.total"), 0) AS new_received,
       coalesce(sum("applications.results_total.total"), 0) AS results_total
FROM reports r GROUP BY 1, 2""",
}

# The best 200 hits are ranked inside the full-text index first (rank is bm25; rowid follows
# doc_id, as the snapshot is written in doc_id order), and only those 200 rows of the wide reports
# table (~470 columns) are read: joining every match before sorting read them all — 50,000 rows
# for a phrase every report has (≈ 240 ms of the query at 50,000 reports, now ≈ 190).
SEARCH_SQL = """
WITH hits AS (SELECT rowid, rank FROM reports_fts WHERE reports_fts MATCH nianbao_match(:q)
              ORDER BY rank, rowid LIMIT 200)
SELECT r.doc_id, r.year, r.agency_name AS 机关, r.status AS 状态, r.errors AS 错误,
       r.warnings AS 警告, r.title AS 标题
FROM hits h JOIN reports r ON r.rowid = h.rowid
ORDER BY h.rank, h.rowid"""

QUERIES = {
    "search": {
        "title": "全文检索",
        "description": "按词检索报告全文（与 nianbao search 相同的中文分词：「行政复议」「依申请公开」）",
        "sql": SEARCH_SQL,
    },
    "t3_breakers": {
        "title": "勾稽关系不成立的报告（T3 算术错误）",
        "description": "有 T3-001、T3-002 或 T3-003 错误的报告",
        "sql": """
SELECT r.doc_id, r.year, r.agency_name AS 机关, group_concat(DISTINCT f.rule) AS 规则,
       count(*) AS 问题数
FROM findings f JOIN reports r ON r.doc_id = f.doc_id
WHERE f.rule IN ('T3-001', 'T3-002', 'T3-003')
GROUP BY r.doc_id ORDER BY r.year DESC, r.agency_name""",
    },
    "cell_by_year_agency": {
        "title": "某一单元格按年度和机关汇总",
        "description": "只加总数字单元格；空白、“—”、文字不计为0，单列为 not_numbers。"
        " key 例如 applications.new_received.total（见 dictionary 表）",
        "sql": """
SELECT r.year, r.agency_name AS 机关, sum(c.value) AS 合计, count(c.value) AS numbers,
       count(*) - count(c.value) AS not_numbers
FROM cells c JOIN reports r ON r.doc_id = c.doc_id
WHERE c.key = :key GROUP BY r.year, r.agency_name ORDER BY r.year DESC, 合计 DESC""",
    },
    "not_published": {
        "title": "上一年度发布而本年度未发布的机关",
        "description": "year-1 年有报告、year 年没有报告的机关（按报告标题中的机关名）",
        "sql": """
SELECT DISTINCT agency_name AS 机关, portal FROM reports
WHERE year = CAST(:year AS INTEGER) - 1 AND agency_name IS NOT NULL
  AND agency_name NOT IN (SELECT agency_name FROM reports
                          WHERE year = CAST(:year AS INTEGER) AND agency_name IS NOT NULL)
ORDER BY agency_name""",
    },
}


def metadata() -> dict:
    return {
        "title": "政府信息公开工作年度报告 · nianbao",
        "description": "各机关政府信息公开工作年度报告的表格、数字与核查结果。"
        "每个报告页列出表格、问题及其指向的单元格和原文位置。",
        "databases": {
            DB: {
                "title": "年度报告",
                "tables": {
                    "reports": {
                        "title": "报告",
                        "description": "每份报告一行：机关、年度、格式、状态、问题数，以及 2021 和 2019"
                        " 格式每个单元格一列（非数字或缺失为空，不是0）",
                        "facets": ["year", "status", "format", "level"],
                        "label_column": "title",
                        "sort_desc": "year",
                    },
                    "cells": {
                        "title": "单元格",
                        "description": "每个单元格一行：中文标签、原文、数值、类型、单位、读取位置（evidence）",
                        "facets": ["table", "kind"],
                    },
                    "findings": {
                        "title": "问题",
                        "description": "核查发现的问题：规则、严重程度、中英文说明、涉及的单元格",
                        "facets": ["rule", "severity"],
                    },
                    "dictionary": {
                        "title": "数据字典",
                        "description": "单元格键 → 中文标签、所属表格、适用格式",
                        "facets": ["table", "formats"],
                        "label_column": "label_zh",
                    },
                    "reports_fts": {"hidden": True},
                    "nianbao_snapshot": {"hidden": True},
                },
                "queries": QUERIES,
            }
        },
    }
