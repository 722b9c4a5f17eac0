"""Operator tools over the running pipeline: replay a doc.* subject (replay.py), reprocess what an
older parser/validator produced (reprocess.py), and the dead letters (dlq.py)."""
