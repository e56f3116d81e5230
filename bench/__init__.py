"""Benchmarks: Stackscribe measured side by side with raw faster-whisper in the same run.

``python -m bench [NAME...]`` writes ``bench/RESULTS.md``. May import :mod:`harness` and the
product; never :mod:`tests` (``tests/test_layers.py`` checks it).
"""
