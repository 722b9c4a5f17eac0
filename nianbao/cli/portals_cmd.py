"""`nianbao portals list|check|add`: the portal registry.

- `list` — the registered portals (from NIANBAO_PORTALS, or the bundled sample portal);
- `check [ID ...] [--json]` — fetch each portal's list pages (robots.txt and politeness apply) and
  show the reports found by year and the column's coverage (what it declares against what was
  reached: `declared`, `reached` in each --json line) and how many of its columns needed a
  browser (`rendered`: services/fetcher/browser.py); exit 1 when a portal's column cannot be read
  (path drift);
- `add URL [--file F]` — fetch a 年报 list page, guess the agency, level, kind and hints, show the
  reports found, and append the entry to the registry file (validated first; `--dry-run` only
  shows it);
- `discover URL… [--from FILE] [--json]` — from government home pages find each site's
  政府信息公开 platform and 年报 column (services/fetcher/finder.py), list its reports and print
  the proposed registry entries as TOML (comments say what was found; `>> portals.toml` adds
  them); sites are searched in parallel, each host politely; exit 1 when a site's column was not
  found.

Settings read: portals, sample_portal_url, user_agent, allow_private_hosts, max_doc_bytes,
fetch_deadline_s, per_host_concurrency, min_delay_s, chromium_path, render_timeout_s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from nianbao.terminal import escape
from services.fetcher.registry import (
    Portal,
    Registry,
    RegistryError,
    load_registry,
    portal_problems,
    to_toml,
)
from shared.config import load
from shared.errors import NianbaoError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_portals_argument(parser)
    sub = parser.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="show the registered portals")
    add_portals_argument(listing)
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    check = sub.add_parser("check", help="read each portal's list pages and show the reports found")
    check.add_argument("ids", nargs="*", help="portal ids (default: all)")
    add_portals_argument(check)
    check.add_argument("--json", action="store_true", help="print JSON lines, one per portal")
    add = sub.add_parser("add", help="add a portal from its 年报 list URL")
    add_portals_argument(add)
    add.add_argument("url", help="the 政府信息公开年报 list page")
    add.add_argument("--id", default=None, help="portal id (default: guessed from name and URL)")
    add.add_argument(
        "--name", default=None, help="agency name (default: guessed from the page title)"
    )
    add.add_argument(
        "--division-code", default="", help="administrative division code, e.g. 110101"
    )
    add.add_argument(
        "--level",
        default=None,
        choices=("central", "province", "prefecture", "county", "township"),
        help="administrative level (default: guessed from the name)",
    )
    add.add_argument(
        "--kind",
        default=None,
        choices=("government", "department"),
        help="government (deadline 31 March) or department (31 January); default: guessed",
    )
    add.add_argument("--dry-run", action="store_true", help="show the entry without writing it")
    find = sub.add_parser(
        "discover", help="find the 年报 column from government home pages, propose entries"
    )
    add_portals_argument(find)
    find.add_argument("urls", nargs="*", help="home page URL(s) of government sites")
    find.add_argument(
        "--from", dest="from_file", default=None, help="a file of home page URLs, one a line"
    )
    find.add_argument("--json", action="store_true", help="print JSON lines, one per site")


def add_portals_argument(parser: argparse.ArgumentParser) -> None:
    """--portals (also --file, its old name): before or after the action."""
    parser.add_argument(
        "--portals",
        "--file",
        dest="portals",
        default=argparse.SUPPRESS,
        help="registry file (default: NIANBAO_PORTALS or the bundled sample portal)",
    )


def run(args: argparse.Namespace) -> int:
    settings = load()
    path = getattr(args, "portals", None) or settings.portals or None
    try:
        if args.action == "list":
            return _list(load_registry(path, settings), args.json)
        if args.action == "check":
            return asyncio.run(_check(settings, load_registry(path, settings), args.ids, args.json))
        if args.action == "discover":
            return _discover(settings, args)
        return _add(settings, args, path)
    except RegistryError as exc:
        print(f"nianbao portals: {exc}", file=sys.stderr)
        return 2


def _console():
    from rich.console import Console

    # piped output (scripts, CI logs) must not be cut at 80 columns
    return Console(width=None if sys.stdout.isatty() else 200)


def _list(registry: Registry, as_json: bool = False) -> int:
    from rich.table import Table

    if as_json:
        import msgspec

        print(msgspec.json.encode(registry.portals).decode())
        return 0

    table = Table(title=f"{len(registry)} portal(s) from {registry.source}")
    for col in ("id", "agency", "division", "level", "kind", "list URL(s)", "every (h)"):
        table.add_column(col)
    for p in registry:
        table.add_row(
            p.id,
            p.name,
            p.division_code,
            p.level,
            p.kind,
            "\n".join(p.list_urls),
            f"{p.recrawl_hours:g} / {p.dense_recrawl_hours:g}",
        )
    _console().print(table)
    return 0


def _crawler(settings, registry: Registry):
    from services.fetcher.crawl import Crawler
    from services.fetcher.state import MemoryUrlState

    return Crawler(settings, None, MemoryUrlState(), registry)  # discovery only: no object store


async def _check(settings, registry: Registry, ids: list[str], as_json: bool = False) -> int:
    """Read each portal's list pages. Exit 1 when a column cannot be read; a column that reaches
    less than it declares is shown (and in --json) but is not a failure of the check: the crawl
    works, it is only incomplete (the alert NianbaoPortalListIncomplete says so over time)."""
    unknown = [i for i in ids if registry.get(i) is None]
    if unknown:
        print(f"nianbao portals check: unknown portal id(s) {unknown}", file=sys.stderr)
        return 2
    crawler = _crawler(settings, registry)
    failed = 0
    try:
        for portal in registry:
            if ids and portal.id not in ids:
                continue
            try:
                survey = await crawler.survey(portal, portal.list_urls)
            except NianbaoError as exc:
                failed += 1
                if as_json:
                    print(json.dumps({"id": portal.id, "ok": False, "reason": exc.reason,
                                      "error": str(exc)}, ensure_ascii=False))  # fmt: skip
                else:
                    from rich.markup import escape as plain

                    _console().print(
                        f"[red]✗ {plain(portal.id)}[/] "
                        + plain(escape(f"{portal.name}: {exc.reason}: {exc}")),
                        soft_wrap=True,  # the setting to copy stays on one line
                    )
                continue
            links, cov = survey.links, survey.coverage
            years = Counter(link.year for link in links if not link.companion)
            if as_json:
                by_year = {
                    str(y or "unknown"): n
                    for y, n in sorted(years.items(), key=lambda kv: kv[0] or 0)
                }
                print(json.dumps({"id": portal.id, "ok": True, "links": len(links),
                                  "reports_by_year": by_year, "declared": cov.declared,
                                  "reached": cov.reached, "unit": cov.unit,
                                  "coverage": cov.ratio, "rendered": survey.rendered},
                                 ensure_ascii=False))  # fmt: skip
                continue
            summary = (
                ", ".join(
                    f"{y}: {n}"
                    for y, n in sorted(years.items(), key=lambda kv: kv[0] or 0, reverse=True)
                )
                or "no reports found"
            )
            mark = "[green]✓" if cov.complete is not False else "[yellow]![/][green]"
            incomplete = (
                " [yellow](incomplete: the column lists more than was reached)[/]"
                if cov.complete is False
                else ""
            )
            browser = (
                f"; {survey.rendered} column(s) rendered in a browser" if survey.rendered else ""
            )
            _console().print(
                f"{mark} {portal.id}[/] {portal.name}: {len(links)} link(s) — {summary}; "
                f"coverage {cov.describe()}{incomplete}{browser}"
            )
    finally:
        await crawler.close()
    return 1 if failed else 0


class _Probe:
    """What a list URL shows: final URL, encoding, parsed page, links, more pages."""

    def __init__(self, url, encoding, tree, first_links, more_pages, links):
        self.url, self.encoding, self.tree = url, encoding, tree
        self.first_links, self.more_pages, self.links = first_links, more_pages, links


async def _probe(settings, url: str) -> _Probe:
    from services.fetcher.discovery import pagination_urls, parse_html, report_links
    from shared.charset import decode_html

    probe = Portal(id="probe", name="probe", list_urls=[url])
    crawler = _crawler(settings, Registry([probe]))
    try:
        resp = await crawler.get(url)
        if resp.status != 200:
            raise _AddFailed(f"{url} answers HTTP {resp.status}")
        text, encoding = decode_html(resp.body, resp.content_type)
        tree = parse_html(text)
        links = await crawler.discover(probe, [url])
        return _Probe(
            resp.url,
            encoding,
            tree,
            report_links(tree, resp.url),
            pagination_urls(tree, resp.url, text),
            links,
        )
    except NianbaoError as exc:
        raise _AddFailed(f"cannot read {url}: {exc.reason}: {exc}") from None
    finally:
        await crawler.close()


class _AddFailed(Exception):
    pass


def _add(settings, args: argparse.Namespace, path: str | None) -> int:
    from services.fetcher.guess import (
        guess_id,
        guess_kind,
        guess_level,
        guess_link_pattern,
        guess_name,
        unique_id,
    )

    scheme = args.url.split("://", 1)[0].lower() if "://" in args.url else ""
    if scheme not in ("http", "https"):
        print(
            f"nianbao portals add: {escape(args.url)!s} is not an http(s) URL;"
            " a portal is a web page (file://, ftp:// and bare paths are refused)",
            file=sys.stderr,
        )
        return 2
    if path is None and not args.dry_run:
        print(
            "nianbao portals add: no registry file; pass --file portals.toml or set NIANBAO_PORTALS",
            file=sys.stderr,
        )
        return 2
    target = Path(path) if path else None
    existing = (
        load_registry(target, settings)
        if target and target.exists()
        else Registry([], source=str(path))
    )
    try:
        found = asyncio.run(_probe(settings, args.url))
    except _AddFailed as exc:
        print(f"nianbao portals add: {escape(exc)}", file=sys.stderr)
        return 1
    name = args.name or guess_name(found.tree)
    taken = {p.id for p in existing}
    same = [p.id for p in existing if found.url in p.list_urls or args.url in p.list_urls]
    # a guessed id that another portal has is made unique (guess.unique_id: the URL's first path
    # segment, else a digest of it: two departments on one host); an id given with --id is not
    portal = Portal(
        id=args.id or unique_id(guess_id(name, args.url), found.url, taken),
        name=name or "(unknown agency: pass --name)",
        list_urls=[found.url],
        division_code=args.division_code,
        level=args.level or guess_level(name),
        kind=args.kind or guess_kind(name),
        link_pattern=guess_link_pattern(found.url, found.links),
        pagination="auto" if found.more_pages else "none",
    )
    console = _console()
    console.print(
        f"{args.url} ({found.encoding}): {len(found.first_links)} report link(s) on the first page, "
        f"{len(found.more_pages)} more page(s), {len(found.links)} in all",
        markup=False,
    )
    for link in found.links[:20]:
        companion = f"[{link.companion}] " if link.companion else ""
        console.print(
            escape(f"  {link.year or '????'} {companion}{link.title}  {link.url}"), markup=False
        )
    if len(found.links) > 20:
        console.print(f"  … and {len(found.links) - 20} more")
    problems = portal_problems(portal)
    if same:
        problems.append(f"{found.url} is already registered as {same[0]!r} in {path}")
    elif (other := existing.get(portal.id)) is not None:
        problems.append(
            f"id {portal.id!r} is already taken in {path} by {other.name}"
            f" ({', '.join(other.list_urls)}): pass another --id"
        )
    if not name:
        problems.append("agency name not found on the page: pass --name")
    entry = to_toml(portal)
    console.print(escape(entry), markup=False, highlight=False)
    if problems:
        print("nianbao portals add: not added: " + "; ".join(problems), file=sys.stderr)
        return 2
    if target is None:
        return 0
    if args.dry_run:
        return 0
    prefix = "\n" if target.exists() and target.read_text(encoding="utf-8").strip() else ""
    with target.open("a", encoding="utf-8") as fh:
        fh.write(prefix + entry)
    load_registry(target, settings)  # the file still loads, or this raises with the problems
    console.print(f"added portal {portal.id!r} to {target}")
    return 0


def _discover(settings, args: argparse.Namespace) -> int:
    urls = list(args.urls)
    if args.from_file:
        try:
            lines = Path(args.from_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            print(f"nianbao portals discover: cannot read {args.from_file}: {exc}", file=sys.stderr)
            return 2
        urls += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    bad = [u for u in urls if u.split("://", 1)[0].lower() not in ("http", "https")]
    if not urls or bad:
        print(
            "nianbao portals discover: give http(s) home page URLs (or --from FILE)"
            + (f"; not http(s): {', '.join(escape(u) for u in bad)}" if bad else ""),
            file=sys.stderr,
        )
        return 2
    results = asyncio.run(_find_all(settings, list(dict.fromkeys(urls))))
    _distinct_ids(results, _registered_ids(settings, args))
    failed = 0
    for url, found in results:
        if isinstance(found, NianbaoError) or found.entry is None:
            failed += 1
        print(_discovered(url, found, args.json))
    return 1 if failed else 0


def _registered_ids(settings, args: argparse.Namespace) -> set[str]:
    """The ids of the registry the proposals would join (none when there is no registry file)."""
    path = getattr(args, "portals", None) or settings.portals or None
    if not path or not Path(path).exists():
        return set()
    return {p.id for p in load_registry(path, settings)}


def _distinct_ids(results: list[tuple[str, object]], taken: set[str]) -> None:
    """Proposed ids unique among the sites of this run and the registry's (in the order the
    sites were given: the first keeps the guessed id, a later one gets guess.unique_id's)."""
    import msgspec

    from services.fetcher.guess import unique_id

    for _url, found in results:
        entry = getattr(found, "entry", None)
        if entry is None:
            continue
        wanted = unique_id(entry.id, entry.list_urls[0], taken)
        if wanted != entry.id:
            found.entry = msgspec.structs.replace(entry, id=wanted)
        taken.add(wanted)


async def _find_all(settings, urls: list[str]) -> list[tuple[str, object]]:
    """Every site at once: the crawler's politeness slots keep each host at its own pace."""
    from services.fetcher.finder import find

    crawler = _crawler(settings, Registry([]))

    async def one(url: str):
        try:
            return url, await find(crawler, url)
        except NianbaoError as exc:
            return url, exc

    try:
        return list(await asyncio.gather(*(one(u) for u in urls)))
    finally:
        await crawler.close()


def _discovered(url: str, found, as_json: bool) -> str:
    """One site's outcome: a JSON line, or TOML comments plus the proposed entry."""
    if isinstance(found, NianbaoError):
        if as_json:
            return json.dumps({"url": url, "ok": False, "reason": found.reason,
                               "error": str(found)}, ensure_ascii=False)  # fmt: skip
        return f"# {escape(url)}: not read: {found.reason}: {escape(found)}\n"
    if found.entry is None:
        if as_json:
            return json.dumps({"url": url, "ok": False, "reason": "not_found",
                               "error": found.reason, "pages": found.pages}, ensure_ascii=False)  # fmt: skip
        return f"# {escape(url)}: not found: {escape(found.reason)}\n"
    cov = found.coverage
    if as_json:
        import msgspec

        return json.dumps({"url": url, "ok": True, "platform": found.platform,
                           "column": found.column, "links": len(found.links),
                           "reports_by_year": found.by_year, "pages": found.pages,
                           "declared": cov.declared if cov else None,
                           "reached": cov.reached if cov else None,
                           "entry": msgspec.to_builtins(found.entry)}, ensure_ascii=False)  # fmt: skip
    years = ", ".join(f"{y}: {n}" for y, n in reversed(found.by_year.items()))
    via = f" via {found.platform}" if found.platform else ""
    lines = [
        f"# {url}: 年报 column {found.column}{via}",
        f"# {len(found.links)} report link(s) — {years or 'none'}"
        + (f"; coverage {cov.describe()}" if cov else "")
        + (
            " (incomplete: the column lists more than was reached)"
            if cov and cov.complete is False
            else ""
        ),
    ]
    lines += [f"#   {link.year or '????'} {link.title}" for link in found.links[:5]]
    if len(found.links) > 5:
        lines.append(f"#   … and {len(found.links) - 5} more")
    problems = portal_problems(found.entry)
    if problems:
        lines.append("# check before adding: " + "; ".join(problems))
    return "\n".join(escape(line) for line in lines) + "\n" + to_toml(found.entry)
