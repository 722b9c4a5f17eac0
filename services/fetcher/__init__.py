"""The fetcher: polite, incremental monitoring of government portals' 年报 columns.

Module map (app.py and scheduler_app.py wire it to the broker — the fetcher and the scheduler
processes —; everything else is plain async Python):

- handlers.py   crawl.due → Crawler → doc.fetched published as each document arrives
- registry.py   portals.toml → Registry (validated; default: the bundled sample portal)
- schedule.py   recrawl slots (denser up to the 31 Jan / 31 Mar deadlines) → crawl.due jobs
- crawl.py      Crawler.crawl(CrawlDue) → DocFetched for new/changed versions only
- discovery.py  list/report page HTML → report links, pagination, attachments, companions
- client.py     robots.txt + SSRF guard + per-host politeness + Retry-After around every GET
- http.py       the safe GET itself: deadline, size and bomb caps, checked redirects
- robots.py     RFC 9309 rules cache; politeness.py per-host slots and AutoThrottle delay
- state.py      per-URL state (ETag, Last-Modified, version) in the fetch_state KV bucket
- canonical.py  canonical URLs and doc_id (HTML charset detection: shared/charset.py)
- missing.py    who has not published for a year (and who was late); guess.py registry guesses
"""
