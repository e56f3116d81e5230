"""Recording the microphone and transcribing it as it is spoken, through a live stream.

- :mod:`~gui.recording.panel`: :class:`~gui.recording.panel.RecordPanel`, device picker,
  level meter and the words as they come;
- :mod:`~gui.recording.recorder`: :class:`~gui.recording.recorder.Recorder`, capture to WAV
  and the live stream on the engine;
- :mod:`~gui.recording.audio_devices`: which devices PortAudio offers, and why recording or
  playback may be impossible.

May import :mod:`engine` (its front door), Qt, the window's shell below the rooms (icons)
and :mod:`gui.tasks` (its time format); never :mod:`gui.transcript` or
:mod:`gui.main_window`.
"""
