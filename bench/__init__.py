"""`make bench`: a deterministic data set loaded through Kartoteka's own bulk paths, then
latency, throughput and memory measured through the full HTTP stack against raw-SQL
baselines. Run as `python -m bench --scale small|full [--keep] [--skip-load]`.

Modules: `environment` (its own data dir and database), `generate` (the data set),
`server` (gunicorn on a free port), `client` (timed HTTP requests), `raw` (plain-SQL
baselines), `measure` (the scenarios) and `report` (JSON and docs/performance.md).
"""
