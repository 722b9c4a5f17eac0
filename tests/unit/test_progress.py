"""nianbao/progress.py: what the run summary says about failed portals."""

from __future__ import annotations

from nianbao.progress import failure_hints


def test_a_portal_refused_as_private_gets_the_setting_that_allows_it_as_a_hint():
    hints = failure_hints(
        {"local": {"private_address": 1}, "moved": {"list_gone": 2}, "fine": {}},
        {"local": ["http://10.1.2.3/zfxxgknb/"], "moved": ["https://x.gov.cn/old/"]},
    )
    assert len(hints) == 2
    assert hints[0].startswith("local: not crawled: http://10.1.2.3/zfxxgknb/ is a")
    assert hints[0].endswith("NIANBAO_ALLOW_PRIVATE_HOSTS=10.1.2.3:80 nianbao run …")
    assert hints[1].startswith("moved: its 年报 list page answers 404/410")
