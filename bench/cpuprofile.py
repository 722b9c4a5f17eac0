"""Run a command module under cProfile timed by CPU (process_time), not wall clock.

cProfile's default timer is the wall clock, so on a saturated machine every blocking call (a
socket send, a thread hand-off) looks expensive while it was only waiting for a core. The bench's
`--profile` runs each stage as `python -m bench.cpuprofile OUT -m nianbao.cli.main serve STAGE`;
stats are written when the process exits (SIGTERM included).

Usage: python -m bench.cpuprofile OUT.prof -m MODULE [ARGS...]
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
import time


def main(argv: list[str]) -> None:
    out, flag, module, *args = argv
    if flag != "-m":
        raise SystemExit(__doc__)
    profiler = cProfile.Profile(time.process_time)

    def dump(*_):
        profiler.disable()
        profiler.dump_stats(out)

    signal.signal(signal.SIGUSR1, dump)  # dump without stopping (the bench sends it before SIGTERM)
    sys.argv = [module, *args]
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        dump()


if __name__ == "__main__":
    main(sys.argv[1:])
