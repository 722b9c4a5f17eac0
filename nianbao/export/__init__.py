"""Data out: the indexed reports, cells, findings and a dictionary as files (issue #15)."""
