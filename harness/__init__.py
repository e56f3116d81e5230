"""What the tests and the benchmarks run the product with.

Generated and real Whisper models, synthetic speech and WER, a real ``redis-server``, a local
Hugging Face hub, ``python -m app`` processes, live clients, the PyInstaller bundle, and parts
configured as the app configures them (:mod:`harness.defaults`).

May import :mod:`app`, :mod:`server` and :mod:`engine`; the product never imports it, and it
never imports :mod:`tests` or :mod:`bench` (``tests/test_layers.py`` checks it).
"""
