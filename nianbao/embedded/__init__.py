"""What `nianbao run`, the tests and the benchmarks embed: a local nats-server (natsd.py) and the
helper that feeds documents into the pipeline as the fetcher does (feed.py)."""
