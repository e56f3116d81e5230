"""``python -m app``: the settings, logging, start-up and the command line; it wires the rest.

- :mod:`app.settings`: every setting declared once (default, environment variable, help);
  :mod:`app.configs` builds what each lower layer is given from it.
- :mod:`app.cli` and the ``*_cmd`` modules: one module per command (``gui``, ``serve``,
  ``transcribe``, ``watch``, ``worker``, ``models``, ``live``).
- :mod:`app.runtime`: the running system (stacks, engine, service, listeners) and the
  start-up steps ``serve`` and ``gui`` share; :mod:`app.data_lock` (one host per data
  folder); :mod:`app.logs`, :mod:`app.version`.

The top layer: may import :mod:`gui`, :mod:`server` and :mod:`engine`; nothing imports it
(``tests/test_layers.py`` checks it).
"""
