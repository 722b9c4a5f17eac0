"""What the tests share: real servers (servers.py, servers_pg.py), a pipeline of real processes
(harness.py) with its ledger (ledger.py) and a TCP proxy for outages (proxy.py), feeding helpers
(feeding.py), a misbehaving portal (fakeportal.py) and its report column (columns.py), the
in-process replay pipeline (replaying.py), store events (storing.py) and the deploy tool loader."""
