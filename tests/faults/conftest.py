"""Fixtures of the fault suite (reliability.md T1–T22): a pipeline of real processes and its
ledger. The pipeline, ledger, proxy and feeding helpers live in tests/support/.

Every test here starts its own nats-server (and stages as `nianbao serve` subprocesses) under
tmp_path on loopback ports, and the fixture stops them all, whatever the test did to them.
"""

from __future__ import annotations

import pytest

from tests.support.harness import Pipeline
from tests.support.proxy import Proxy


@pytest.fixture
async def pipelines(tmp_path):
    """make(**settings) → an unstarted Pipeline; all of them are closed after the test."""
    made: list[Pipeline] = []

    def make(**settings) -> Pipeline:
        p = Pipeline(tmp_path / f"p{len(made)}", **settings)
        made.append(p)
        return p

    yield make
    for p in made:
        await p.close()


@pytest.fixture
async def s3_proxy(s3_endpoint):
    """A Proxy in front of the session's moto_server (outages and stalls without losing objects)."""
    proxy = await Proxy(s3_endpoint).up()
    proxy.direct = s3_endpoint
    yield proxy
    await proxy.close()


@pytest.fixture
async def sample_portal():
    """The bundled sample portal (the five seeds as HTML/PDF/DOCX/XLSX pages) on loopback."""
    from nianbao.samples.portal import SamplePortal

    portal = await SamplePortal(host="127.0.0.1", port=0).start()
    yield portal
    await portal.stop()


@pytest.fixture
def fake_portal():
    """tests/support/fakeportal.py (a misbehaving portal with an access log) on loopback."""
    from tests.support.fakeportal import FakePortal

    with FakePortal() as portal:
        yield portal
