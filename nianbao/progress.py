"""What `nianbao run` shows: live per-stage progress (rich) and the final summary.

On a terminal a rich Live table refreshes in place; otherwise (make run in CI, a pipe) a plain
line is printed when the numbers change, so logs stay readable.
"""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table

from shared import metrics
from shared.redact import redact_url
from shared.runtime.deadletters import EXPECTED_REJECTIONS
from shared.topology import STAGES as ORDER


def _count(stage: str, outcome: str) -> int:
    return int(metrics.MESSAGES.labels(stage, outcome)._value.get())


def outcomes() -> dict[str, dict[str, int]]:
    """This process's message outcomes per stage, read from the metrics catalogue."""
    return {
        s: {o: _count(s, o) for o in ("ok", "rejected", "retried", "dead_lettered")} for s in ORDER
    }


def _sum(counter, **labels: str) -> int:
    """A counter's total over the samples whose labels include `labels` (this process)."""
    total = 0.0
    for family in counter.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and all(
                sample.labels.get(k) == v for k, v in labels.items()
            ):
                total += sample.value
    return int(total)


def crawl_stats() -> dict[str, int]:
    """What this process's fetcher did on the web, from the metrics catalogue."""
    return {
        "requests": _sum(metrics.HTTP_REQUESTS),
        "not_modified_304": _sum(metrics.NOT_MODIFIED, cause="304"),
        # a 200 with the same bytes (or the same text) as last time: nothing new downstream
        "unchanged": _sum(metrics.NOT_MODIFIED, cause="same_bytes")
        + _sum(metrics.NOT_MODIFIED, cause="same_text"),
        "duplicates": _sum(metrics.NOT_MODIFIED, cause="duplicate"),
        "bytes": _sum(metrics.FETCHED_BYTES),
        "robots_denials": _sum(metrics.ROBOTS_DENIALS),
    }


def next_commands(data_dir: str, default_data_dir: str = ".nianbao") -> list[str]:
    """What to try after a run; they find this run's index and broker through its data dir."""
    flag = "" if data_dir == default_data_dir else f" --data-dir {data_dir}"
    return [
        f"nianbao search 许可{flag}",
        f"nianbao search --facets{flag}",
        f"nianbao report <doc id from search>{flag}",
        f"nianbao dlq list{flag}  (while a `nianbao run --follow` runs)",
        "nianbao missing --year <year>",
    ]


def rejection_reasons() -> dict[tuple[str, str], int]:
    """This process's rejections by (stage, reason), from the metrics catalogue."""
    out = {}
    for family in metrics.REJECTIONS.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.value:
                out[(sample.labels["stage"], sample.labels["reason"])] = int(sample.value)
    return dict(sorted(out.items()))


def dead_letter_line(backlog: dict[str, dict[str, int]]) -> str:
    """The DLQ backlog as the NianbaoDeadLettersWaiting alert counts it (all runs, not only this
    one): exhausted retries and failures wait for a decision; expected rejections do not."""
    waiting = {
        f"{stage} {kind}": n
        for stage, kinds in backlog.items()
        for kind, n in kinds.items()
        if kind != "expected" and n
    }
    kept = sum(kinds.get("expected", 0) for kinds in backlog.values())
    kept_text = f"; {kept} expected rejections kept for inspection" if kept else ""
    if not waiting:
        return f"dead letters waiting for a decision: none{kept_text}"
    listed = ", ".join(f"{k} {n}" for k, n in waiting.items())
    return (
        f"[yellow]dead letters waiting for a decision: {sum(waiting.values())} ({listed})[/]"
        f"{kept_text} — see `nianbao dlq list`"
    )


def coverage() -> dict[str, tuple[int | None, int, str]]:
    """This process's portal coverage from the metrics catalogue: portal → (declared or None,
    reached, unit), as the fetcher's last survey of each portal left it."""
    reached: dict[str, tuple[int, str]] = {}
    for family in metrics.PORTAL_LIST_REACHED.collect():
        for sample in family.samples:
            reached[sample.labels["portal"]] = (int(sample.value), sample.labels["unit"])
    declared: dict[tuple[str, str], int] = {}
    for family in metrics.PORTAL_LIST_DECLARED.collect():
        for sample in family.samples:
            declared[(sample.labels["portal"], sample.labels["unit"])] = int(sample.value)
    return {
        portal: (declared.get((portal, unit)), n, unit)
        for portal, (n, unit) in sorted(reached.items())
    }


def portal_failures() -> dict[str, dict[str, int]]:
    """This process's failed portal crawls from the metrics catalogue: portal → reason → count
    (nianbao_portal_failures_total: a list page refused or gone, a crawl left incomplete …)."""
    out: dict[str, dict[str, int]] = {}
    for family in metrics.PORTAL_FAILURES.collect():
        for sample in family.samples:
            if sample.name.endswith("_total") and sample.value:
                portal, reason = sample.labels["portal"], sample.labels["reason"]
                out.setdefault(portal, {})[reason] = int(sample.value)
    return {p: dict(sorted(r.items())) for p, r in sorted(out.items())}


# A portal the fetcher refused to reach: the user's registry names a host the settings do not
# allow. `nianbao run` exits 1 on it rather than "succeeding" with 0 reports.
REFUSED = "private_address"


def failure_hints(
    failures: dict[str, dict[str, int]], list_urls: dict[str, list[str]]
) -> list[str]:
    """What to do about each failed portal, one line per portal and reason that has advice."""
    from urllib.parse import urlsplit

    lines = []
    for portal, reasons in failures.items():
        url = (list_urls.get(portal) or [""])[0]
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 80
        host = parts.hostname or "<host>"
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if REFUSED in reasons:
            lines.append(
                f"{portal}: not crawled: {url} is a loopback/private address, which the fetcher"
                " refuses unless NIANBAO_ALLOW_PRIVATE_HOSTS (setting allow_private_hosts) lists"
                f" it: NIANBAO_ALLOW_PRIVATE_HOSTS={where} nianbao run …"
            )
        if "list_gone" in reasons:
            lines.append(
                f"{portal}: its 年报 list page answers 404/410: the registry entry needs an update"
                " (`nianbao portals check`)"
            )
        if "robots_denied" in reasons:
            lines.append(f"{portal}: robots.txt disallows its list page; it is not crawled")
    return lines


def coverage_line(cov: dict[str, tuple[int | None, int, str]]) -> str | None:
    """「list coverage: sample 2/2 pages, gov-x 10/20 documents (incomplete)」, or None."""
    if not cov:
        return None
    parts = []
    for portal, (declared, reached, unit) in cov.items():
        if declared is None:
            parts.append(f"{portal} {reached} {unit} (size not stated)")
        else:
            short = " (incomplete)" if reached < declared else ""
            parts.append(f"{portal} {reached}/{declared} {unit}{short}")
    return "list coverage: " + ", ".join(parts)


class Progress:
    def __init__(self, out, live: bool | None = None) -> None:
        tty = getattr(out, "isatty", lambda: False)()
        # piped output (make run in CI, a log) must not be cut at 80 columns
        self.console = Console(file=out, highlight=False, width=None if tty else 200)
        self.live_enabled = self.console.is_terminal if live is None else live
        self._live: Live | None = None
        self._last_line = ""

    def header(self, launcher) -> None:
        c = self.console
        monitor = launcher.nats.monitor_url if launcher.nats is not None else None
        c.print(
            f"[bold]nianbao[/] broker {redact_url(launcher.settings.nats_url)}"
            + (f" (monitoring {monitor})" if monitor else "")
            + f"  data {launcher.settings.data_dir}"
        )
        if launcher.portal is not None:
            c.print(f"sample portal {launcher.portal.url}/zwgk/zfxxgk/zfxxgknb/index.html")
        for s in launcher.services:
            c.print(f"  {s.stage.name:<9} {s.health.url}/metrics  /healthz  /readyz")

    def note(self, text: str) -> None:
        self.console.print(text)

    def table(self, lag) -> Table:
        t = Table(title="pipeline", expand=False)
        for col in (
            "stage",
            "ok",
            "rejected",
            "retried",
            "dead",
            "pending",
            "in flight",
            "redelivered",
        ):
            t.add_column(col, justify="right" if col != "stage" else "left")
        done = outcomes()
        for stage in ORDER:
            o, row = done[stage], lag.get(stage, {})
            t.add_row(
                stage,
                str(o["ok"]),
                str(o["rejected"]),
                str(o["retried"]),
                str(o["dead_lettered"]),
                str(row.get("pending", "?")),
                str(row.get("ack_pending", "?")),
                str(row.get("redelivered", "?")),
            )
        return t

    def update(self, lag) -> None:
        if self._live is not None:
            self._live.update(self.table(lag))
            return
        done = outcomes()
        line = "  ".join(
            f"{s} {done[s]['ok']} ok/{lag.get(s, {}).get('pending', 0)} waiting" for s in ORDER
        )
        if line != self._last_line:
            self._last_line = line
            self.console.print(line)

    def __enter__(self):
        if self.live_enabled:
            self._live = Live(console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)
            self._live = None

    def summary(self, result, interrupted: bool = False) -> None:
        c = self.console
        if interrupted:
            c.print("[yellow]interrupted: in-flight work finished or returned to the broker[/]")
        elif not result.idle:
            c.print("[yellow]stopped waiting before the pipeline was idle (see --timeout)[/]")
        done = result.outcomes
        reasons = rejection_reasons()
        expected = sum(n for (_, reason), n in reasons.items() if reason in EXPECTED_REJECTIONS)
        rejected = sum(done[s]["rejected"] for s in ORDER)
        c.print(
            f"[bold]summary[/] ({result.seconds:.1f}s): this run processed "
            + ", ".join(f"{s} {done[s]['ok']}" for s in ORDER)
            + f"; rejected {rejected} ({expected} expected, {rejected - expected} failures)"
            + f"; dead-lettered {sum(done[s]['dead_lettered'] for s in ORDER)}"
        )
        if reasons:
            c.print(
                "rejected by reason: "
                + ", ".join(f"{stage} {reason} {n}" for (stage, reason), n in reasons.items())
            )
        c.print(dead_letter_line(result.dead_letters))
        crawl = result.crawl
        if crawl:
            c.print(
                f"crawl: {crawl['requests']} requests, {crawl['not_modified_304']} answered 304,"
                f" {crawl['bytes']:,} bytes, {crawl['robots_denials']} robots denials"
            )
        line = coverage_line(getattr(result, "coverage", {}))
        if line:
            c.print(line, markup=False)
        failed = getattr(result, "portal_failures", {})
        if failed:
            c.print(
                "[red]portal failures:[/] "
                + ", ".join(
                    f"{p} {r} {n}" for p, reasons in failed.items() for r, n in reasons.items()
                )
            )
        for hint in getattr(result, "hints", []):
            c.print(hint, markup=False, style="red", soft_wrap=True)
        status = ", ".join(f"{k} {v}" for k, v in sorted(result.status.items()))
        c.print(f"reports indexed: {result.indexed}" + (f" ({status})" if status else ""))
        if result.rules:
            t = Table(title="reports with findings, by rule")
            t.add_column("rule")
            t.add_column("reports", justify="right")
            for rule, n in sorted(result.rules.items()):
                t.add_row(rule, str(n))
            c.print(t)
        else:
            c.print("no findings")
        if result.next_commands:
            c.print("next: " + "\n      ".join(result.next_commands), markup=False)
