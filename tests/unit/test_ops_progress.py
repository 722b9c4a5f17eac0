"""shared/ops/progress.py: without a terminal, progress is plain lines with rate and ETA."""

from __future__ import annotations

import io

from shared.ops.progress import ReplayProgress


def test_plain_progress_prints_counts_rate_and_eta_at_start_and_end():
    out = io.StringIO()
    p = ReplayProgress(out=out, live=False, label="replay doc.fetched.>")
    p.start(1000)
    p.update(400, 380, 400)
    p.finish(1000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "replay doc.fetched.>: 1000 messages to scan"
    assert lines[1].startswith("replay doc.fetched.>: 400/1000 scanned, 380 republished,")
    assert "msg/s, ETA" in lines[1] and lines[-1].startswith("replay doc.fetched.>: 400/1000 scanned")


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
