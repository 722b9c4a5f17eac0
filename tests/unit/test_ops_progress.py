"""nianbao/ops/progress.py: without a terminal, progress is plain lines with rate and ETA."""

from __future__ import annotations

import io

from nianbao.ops.progress import ReplayProgress


def test_plain_progress_prints_a_line_at_start_every_few_seconds_and_at_the_end(monkeypatch):
    import nianbao.ops.progress as progress

    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    out = io.StringIO()
    p = ReplayProgress(out=out, live=False, label="replay doc.fetched.>")
    p.start(1000)
    p.update(200, 200, 200)  # within the first 5 s: no line
    clock[0] += progress.PLAIN_EVERY_S
    p.update(400, 380, 400)
    clock[0] += 1.0
    p.finish(1000)
    lines = out.getvalue().splitlines()
    assert lines == [
        "replay doc.fetched.>: 1000 messages to scan",
        "replay doc.fetched.>: 400/1000 scanned, 380 republished, 80 msg/s, ETA 8s",
        "replay doc.fetched.>: 400/1000 scanned, 380 republished, 167 msg/s, ETA 4s",
    ]


def test_the_eta_is_what_is_left_over_the_rate():
    p = ReplayProgress(out=io.StringIO(), live=False)
    p.start(1000)
    p.update(400, 400, 400)
    assert p.line(100.0).endswith("100 msg/s, ETA 6s")
    assert p.line(0.0).endswith("ETA ?")


def test_a_live_bar_runs_and_stops_without_a_terminal_attached():
    out = io.StringIO()
    p = ReplayProgress(out=out, live=True)
    p.start(10)
    p.update(10, 10, 10)
    p.finish(10)
    assert "10/10" in out.getvalue()
