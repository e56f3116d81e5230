"""Live transcription: audio arriving in frames, text committed as soon as it is stable.

- :mod:`engine.live.agreement`: the LocalAgreement-2 commit policy of whisper_streaming.
- :mod:`engine.live.silence`: Silero VAD over a stream, to end utterances on silence.
- :mod:`engine.live.streamer`: one stream's buffer, decodes, commits, finals and trims.
- :mod:`engine.live.hub`: the host side, where faces open streams and feed frames.
- :mod:`engine.live.worker`: the engine side, a thread serving every stream in turn.
- :mod:`engine.live.pcm`: client audio frames (PCM16 or float32, any rate) to 16 kHz.

May import the top of :mod:`engine` and :mod:`engine.pipeline` (the decoder); nothing from
the stack, the engine process, the server, the GUI or the app.
"""
