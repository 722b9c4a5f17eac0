"""A changed parser or validator output needs a new version (shared/versions.py): the digests of
their outputs over a fixed input (bench/snapshot_digests.py) must match the committed ones for the
current versions."""

from __future__ import annotations

from bench import snapshot_digests
from shared.versions import PARSER_VERSION, VALIDATOR_VERSION

HOW = (
    "if the change is meant, bump {name} in shared/versions.py (reprocess --stale re-reads only"
    " what an older version produced), then run `python -m bench.snapshot_digests --write`"
    " and commit bench/snapshot_digests.json"
)


def test_the_parser_output_changed_only_with_a_new_parser_version():
    saved = snapshot_digests.committed()["parser"].get(PARSER_VERSION)
    assert saved == snapshot_digests.parser_digest(), HOW.format(name="PARSER_VERSION")


def test_the_validator_output_changed_only_with_a_new_validator_version():
    saved = snapshot_digests.committed()["validator"].get(VALIDATOR_VERSION)
    assert saved == snapshot_digests.validator_digest(), HOW.format(name="VALIDATOR_VERSION")
