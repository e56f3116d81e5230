"""The audio pipeline: a file in, a transcript out, with bounded memory.

- :mod:`engine.pipeline.audio`: probe and decode with PyAV, streamed as 16 kHz mono.
- :mod:`engine.pipeline.vad`: streaming Silero VAD, the same segments faster-whisper finds.
- :mod:`engine.pipeline.chunking`: cut a stream at silences, one chunk held at a time.
- :mod:`engine.pipeline.windows`: the ≤30 s windows the model decodes.
- :mod:`engine.pipeline.sentences`: sentence-sized segments cut from word times.
- :mod:`engine.pipeline.transcriber`: faster-whisper over all of the above.

May import the top of :mod:`engine` (task, result, errors, replacements); nothing from the
stack, the engine process, the server, the GUI or the app.
"""
