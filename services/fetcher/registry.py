"""The portal registry: which agencies to watch, where their 年报 column is, and how often.

File format (`portals.toml`, path from `Settings.portals`; empty → the bundled sample portal):

    [[portal]]
    id = "bj-dongcheng"                 # subject token and metric label: [A-Za-z0-9_-]
    name = "北京市东城区人民政府"          # the agency, as it names itself in its reports
    division_code = "110101"            # 行政区划代码, 6 or 12 digits ("" if unknown)
    level = "county"                    # central | province | prefecture | county | township
    kind = "government"                 # government (deadline 31 Mar) | department (31 Jan)
    list_urls = ["https://www.bjdch.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"]
    link_pattern = ""                   # optional regex a report URL must match
    title_pattern = ""                  # optional regex a link text must match (default 年报/年度报告)
    pagination = "auto"                 # auto | none
    max_pages = 20                      # list requests per crawl (browser ones included)
    render = "auto"                     # auto | browser | static (see below)
    recrawl_hours = 24.0                # normal interval
    dense_recrawl_hours = 6.0           # interval in the weeks around the legal deadline

`render` says when a column is rendered in headless Chromium (services/fetcher/browser.py), the
last resort for a list only a script can page: `auto` when a column ends below the size it
states and shows a script pager the static pagers (pagers.py) could not follow; `browser` for
every list URL of the portal; `static` never (the column then shows its coverage, e.g. 10/20).

`{sample}` in a URL stands for `Settings.sample_portal_url` (the loopback sample portal).
Every problem in the file is reported at once, with the portal and field it concerns.

Reads settings: portals, sample_portal_url.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec

from shared.config import Settings

LEVELS = ("central", "province", "prefecture", "county", "township")
KINDS = ("government", "department")
RENDER_MODES = ("auto", "browser", "static")
SAMPLE_LIST_PATH = "/zwgk/zfxxgk/zfxxgknb/index.html"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DIVISION = re.compile(r"^(\d{6}|\d{12})?$")


class RegistryError(ValueError):
    """The registry file is unusable; `problems` lists every issue found."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class Portal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    name: str
    list_urls: list[str]
    division_code: str = ""
    level: str = "county"
    kind: str = "government"
    link_pattern: str = ""
    title_pattern: str = ""
    pagination: str = "auto"
    max_pages: int = 20
    render: str = "auto"
    recrawl_hours: float = 24.0
    dense_recrawl_hours: float = 6.0
    enabled: bool = True


class Registry(msgspec.Struct, frozen=True):
    portals: list[Portal]
    source: str = "<bundled sample>"

    def get(self, portal_id: str) -> Portal | None:
        return next((p for p in self.portals if p.id == portal_id), None)

    def __iter__(self):
        return iter(self.portals)

    def __len__(self) -> int:
        return len(self.portals)


def sample_portal(base_url: str) -> Portal:
    """The bundled sample portal (served by nianbao/samples/portal.py on loopback)."""
    return Portal(
        id="sample",
        name="示例县人民政府",
        division_code="",
        level="county",
        kind="government",
        list_urls=[base_url.rstrip("/") + SAMPLE_LIST_PATH] if base_url else [],
        recrawl_hours=1.0,
        dense_recrawl_hours=1.0,
    )


def load_registry(path: str | Path | None = None, settings: Settings | None = None) -> Registry:
    """Load and validate a registry file; no path (and no `Settings.portals`) → the sample portal."""
    settings = settings or Settings()
    path = path or settings.portals or None
    if path is None:
        return Registry([sample_portal(sample_url(settings))])
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(source, ["file not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RegistryError(source, [f"not valid TOML: {exc}"]) from None
    return parse_registry(data, source=source, sample_url=sample_url(settings))


def sample_url(settings: Settings) -> str:
    # `sample_portal_url` is added to Settings by the launcher's owner; until then it is absent.
    return str(getattr(settings, "sample_portal_url", "") or "")


def parse_registry(data: dict, *, source: str = "<registry>", sample_url: str = "") -> Registry:
    problems: list[str] = []
    unknown = set(data) - {"portal"}
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)} (expected [[portal]] tables)")
    raw = data.get("portal", [])
    if not isinstance(raw, list) or not raw:
        problems.append("no [[portal]] entries")
        raise RegistryError(source, problems)
    portals: list[Portal] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, 1):
        label = f"portal #{i}" + (
            f" (id={entry.get('id')!r})" if isinstance(entry, dict) and "id" in entry else ""
        )
        if isinstance(entry, dict):
            entry = {
                **entry,
                "list_urls": [
                    u.replace("{sample}", sample_url.rstrip("/"))
                    for u in entry.get("list_urls", [])
                    if isinstance(u, str)
                ]
                or entry.get("list_urls", []),
            }
        try:
            portal = msgspec.convert(entry, Portal)
        except msgspec.ValidationError as exc:
            problems.append(f"{label}: {exc}")
            continue
        problems.extend(f"{label}: {p}" for p in portal_problems(portal))
        if portal.id in seen:
            problems.append(f"{label}: duplicate id {portal.id!r}")
        seen.add(portal.id)
        portals.append(portal)
    if problems:
        raise RegistryError(source, problems)
    return Registry(portals, source=source)


def portal_problems(p: Portal) -> list[str]:
    """Everything wrong with one entry (empty when it is usable)."""
    problems = []
    if not _ID.match(p.id):
        problems.append(f"id {p.id!r} must be 1-64 characters of A-Z a-z 0-9 _ -")
    if not p.name.strip():
        problems.append("name is empty")
    if not p.list_urls:
        problems.append("list_urls is empty")
    for j, url in enumerate(p.list_urls):
        if not re.match(r"^https?://[^/\s]+", url):
            problems.append(f"list_urls[{j}] {url!r} is not an absolute http(s) URL")
    if not _DIVISION.match(p.division_code):
        problems.append(f"division_code {p.division_code!r} must be 6 or 12 digits")
    if p.level not in LEVELS:
        problems.append(f"level {p.level!r} must be one of {', '.join(LEVELS)}")
    if p.kind not in KINDS:
        problems.append(f"kind {p.kind!r} must be one of {', '.join(KINDS)}")
    if p.pagination not in ("auto", "none"):
        problems.append(f"pagination {p.pagination!r} must be auto or none")
    for field in ("link_pattern", "title_pattern"):
        try:
            re.compile(getattr(p, field))
        except re.error as exc:
            problems.append(f"{field} is not a valid regex: {exc}")
    if p.render not in RENDER_MODES:
        problems.append(f"render {p.render!r} must be one of {', '.join(RENDER_MODES)}")
    if not 1 <= p.max_pages <= 1000:
        problems.append(f"max_pages {p.max_pages} must be within 1..1000")
    if not 0.05 <= p.dense_recrawl_hours <= p.recrawl_hours <= 24 * 90:
        problems.append("need 0.05 <= dense_recrawl_hours <= recrawl_hours <= 2160")
    return problems


def to_toml(p: Portal) -> str:
    """One [[portal]] table, for appending to a registry file (`nianbao portals add`)."""
    lines = ["[[portal]]"]
    default = Portal(id="", name="", list_urls=[])
    for field in Portal.__struct_fields__:
        value = getattr(p, field)
        if field not in ("id", "name", "list_urls") and value == getattr(default, field):
            continue
        lines.append(f"{field} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # TOML basic strings share JSON's escapes; ensure_ascii=False keeps Chinese readable.
    return msgspec.json.encode(str(value)).decode("utf-8")
