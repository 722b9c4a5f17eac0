"""A 年报 column served by tests/support/fakeportal.py: list page, report articles, Last-Modified."""

from __future__ import annotations

from tests.support.fakeportal import FakePortal, Reply, list_page

COLUMN = "/zwgk/zfxxgk/zfxxgknb"


LM = "Fri, 28 Jan 2022 07:26:00 GMT"


REPORT_2021 = "某某县人民政府2021年政府信息公开工作年度报告"


def serve_column(
    portal: FakePortal,
    reports: dict[str, Reply],
    *,
    titles: dict[str, str] | None = None,
    charset: str = "utf-8",
    per_page: int = 2,
) -> None:
    """A paginated list (index.html, index_1.html, … with countPage) linking each report path
    with its title (default REPORT_2021), and a robots.txt allowing everything."""
    titles = titles or {}
    paths = list(reports)
    pages = [paths[i : i + per_page] for i in range(0, len(paths), per_page)] or [[]]
    for n, chunk in enumerate(pages):
        links = [(p.replace(COLUMN, "."), titles.get(p, REPORT_2021)) for p in chunk]
        name = "index.html" if n == 0 else f"index_{n}.html"
        portal.add(
            f"{COLUMN}/{name}",
            Reply(
                body=list_page(links, count_page=len(pages), charset=charset),
                content_type=f"text/html; charset={charset}",
            ),
        )
    for path, reply in reports.items():
        portal.add(path, reply)
    portal.add("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
