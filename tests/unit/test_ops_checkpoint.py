"""nianbao/ops/checkpoint.py: run ids derived from the selection; checkpoints round-trip."""

from __future__ import annotations

import msgspec

from nianbao.ops.checkpoint import Checkpoint, run_id_for
from nianbao.ops.selection import Selection


def test_the_same_selection_gives_the_same_run_id_so_a_restarted_job_resumes():
    a = Selection(subject="doc.fetched.>", since=1.0e9, years=frozenset({2021, 2022}))
    b = Selection(subject="doc.fetched.>", since=1.0e9, years=frozenset({2022, 2021}))
    assert run_id_for(a) == run_id_for(b)
    assert run_id_for(a) != run_id_for(Selection(subject="doc.fetched.>", since=1.0e9 + 1))
    assert run_id_for(a, 2) == run_id_for(a) + "-2"


def test_a_checkpoint_round_trips_through_json_with_its_selection():
    sel = Selection(subject="doc.parsed.sample", doc_ids=frozenset({"ab", "cd"}), latest=True)
    cp = Checkpoint(run="r1", selection=sel, stream="DOCS", upper=99, last_seq=42, published=7)
    back = msgspec.json.decode(msgspec.json.encode(cp), type=Checkpoint)
    assert back.selection == sel and (back.upper, back.last_seq, back.published, back.status) == (
        99,
        42,
        7,
        "running",
    )
