"""services/<stage>/app.py and services/fetcher/scheduler_app.py: importing one builds no broker
and reads no `NIANBAO_*` variable; only its factory does (`create_app`, what
`faststream run --factory` calls, and `create(settings)`, what `nianbao serve` and `nianbao run`
call).

Each import runs in a fresh interpreter (nothing imported before it) that records every
NatsBroker constructed, every `shared.config.load` call and every `NIANBAO_*` variable looked up
by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_MODULES = (
    "services.fetcher.app",
    "services.parser.app",
    "services.validator.app",
    "services.indexer.app",
    "services.fetcher.scheduler_app",
)
BOGUS_URL = "nats://bogus.invalid:4222"

PROBE = r"""
import importlib, json, os, sys

reads = []

class RecordingEnviron(type(os.environ)):
    def __getitem__(self, key):
        # A lookup by name, not a copy of the whole environment by iteration (the standard
        # library's wsgiref, imported by prometheus_client, snapshots os.environ at import).
        caller = sys._getframe(1).f_code
        copying = caller.co_name == "__iter__" and "_collections_abc" in caller.co_filename
        if str(key).startswith("NIANBAO_") and not copying:
            reads.append(key)
        return super().__getitem__(key)

os.environ.__class__ = RecordingEnviron

from faststream.nats import NatsBroker
import shared.config

brokers = []
init = NatsBroker.__init__
def recording_init(self, servers=None, *args, **kwargs):
    brokers.append(str(servers))
    init(self, servers, *args, **kwargs)
NatsBroker.__init__ = recording_init

loads = []
load = shared.config.load
def recording_load(*args, **kwargs):
    loads.append(1)
    return load(*args, **kwargs)
shared.config.load = recording_load

def seen():
    return {"brokers": list(brokers), "loads": len(loads), "reads": sorted(set(reads))}

module = importlib.import_module(sys.argv[1])
imported = seen()
app = module.create_app()
print(json.dumps({"imported": imported, "factory": seen(), "app": type(app).__name__}))
"""


def _probe(module: str, tmp_path: Path) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")},
        "NIANBAO_NATS_URL": BOGUS_URL,
        "NIANBAO_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", APP_MODULES)
def test_service_apps_import_without_building_a_broker_or_reading_settings(module, tmp_path):
    seen = _probe(module, tmp_path)

    assert seen["imported"] == {"brokers": [], "loads": 0, "reads": []}
    # The probe sees what the factory does, so the empty lists above can fail.
    assert seen["factory"]["brokers"] == [BOGUS_URL]
    assert seen["factory"]["loads"] == 1
    assert "NIANBAO_NATS_URL" in seen["factory"]["reads"]
    assert seen["app"] == "FastStream"
