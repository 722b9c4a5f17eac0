"""The findings corpus of issue #19: realistic documents, each annotated with the rules that must
fire and those that must not, built at test time from the seeds and the synthetic generator.

    from tests.findings_corpus.builder import build
    from tests.findings_corpus.score import score
    docs = build()                    # list[CorpusDoc]
    result = score(docs)              # per-rule precision / recall, error false alarms

`python -m bench bench_findings` prints the table; tests/unit/test_findings_corpus.py holds the
targets (precision >= 95 % overall and per firing rule, 0 error-severity false alarms, recall 100 %).
"""
