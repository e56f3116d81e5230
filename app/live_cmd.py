"""``python -m app live``: the microphone transcribed in the terminal as you speak.

Final text is printed line by line on stdout (a segment per line, with its time); on a
terminal the revisable partial is shown on stderr below it. Ctrl-C (or ``--seconds``) stops:
the last words are finished, then the recording is saved as WAV with its transcript beside
it (``.txt`` and ``.json``), by default under ``DATA_DIR/recordings``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any

from app.settings import Settings
from engine import formats
from engine.errors import StackscribeError

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("live", help="transcribe the microphone in the terminal as you speak")
    p.add_argument(
        "--device",
        dest="input_device",
        type=lambda v: int(v) if v.isdigit() else v,
        default=None,
        metavar="N",
        help="input device: its index, or part of its name (see --list-devices; "
        "default: the system's)",
    )
    p.add_argument("--list-devices", action="store_true", help="list input devices and exit")
    p.add_argument(
        "--output",
        default=None,
        metavar="FILE",
        help="where the recording goes (FILE.wav, with FILE.txt and FILE.json beside it); "
        "default: DATA_DIR/recordings/live-<time>.wav",
    )
    p.add_argument("--language", default=None, help="ISO code such as en or th; default: detect")
    p.add_argument("--task", choices=("transcribe", "translate"), default="transcribe")
    p.add_argument("--initial-prompt", default=None, help="vocabulary or context hint")
    p.add_argument(
        "--seconds", type=float, default=0.0, help="stop after this long (default: at Ctrl-C)"
    )
    return p


class _Terminal:
    """Prints finals as lines and keeps the partial on one line of a terminal's stderr.

    The partial line starts with how far the text is behind the voice (its ``lag``).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tty = sys.stderr.isatty()
        self.shown = 0

    def __call__(self, events: list[dict[str, Any]]) -> None:
        with self.lock:
            for event in events:
                if event["type"] == "final":
                    self._clear()
                    segment = event["segment"]
                    print(f"[{_clock(segment['start'])}] {segment['text'].strip()}")
                    sys.stdout.flush()
                elif event["type"] == "partial" and self.tty:
                    self._clear()
                    behind = f"({event['lag']:.1f} s behind) " if "lag" in event else ""
                    text = (behind + event["text"])[-(_width() - 1) :]
                    sys.stderr.write(text)
                    sys.stderr.flush()
                    self.shown = len(text)
                elif event["type"] == "error":
                    self._clear()
                    print(f"stackscribe: {event['detail']}", file=sys.stderr)

    def _clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * self.shown + "\r")
            self.shown = 0


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return (
        f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"
        if minutes >= 60
        else f"{minutes}:{secs:02d}"
    )


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _sounddevice() -> Any:
    try:
        import sounddevice as sd
    except (OSError, ImportError) as exc:
        raise SystemExit(
            f"stackscribe: no audio input ({exc}); install PortAudio (libportaudio2)"
        ) from exc
    return sd


def _list_devices(sd: Any) -> int:
    for index, device in enumerate(sd.query_devices()):
        if device["max_input_channels"] > 0:
            print(f"{index:3d}  {device['name']}  ({int(device['default_samplerate'])} Hz)")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    from app.runtime import Runtime
    from engine.live.recording import LiveRecording, pick_rate
    from engine.live.streamer import LiveOptions
    from engine.status import EngineState
    from engine.task import TranscribeOptions

    sd = _sounddevice()
    if args.list_devices:
        return _list_devices(sd)
    checked = TranscribeOptions(
        language=args.language, task=args.task, initial_prompt=args.initial_prompt
    )
    try:
        info = sd.query_devices(args.input_device, "input")
    except (ValueError, sd.PortAudioError) as exc:
        print(f"stackscribe: no such input device ({exc}); see --list-devices", file=sys.stderr)
        return 2
    audio = _audio_path(args.output, settings)
    runtime = Runtime(settings)
    try:
        status = runtime.supervisor.wait_settled(timeout=None)
        if status.state != EngineState.READY:
            print(f"stackscribe: {status.error or 'the engine did not start'}", file=sys.stderr)
            return 2
        assert runtime.service.live is not None
        recording = LiveRecording(
            runtime.service.live,
            sd,
            args.input_device,
            pick_rate(sd, args.input_device, info["default_samplerate"]),
            LiveOptions(checked.language, checked.task, checked.initial_prompt),
            audio,
            _Terminal(),
        )
        print(f"Listening on {info['name']} (Ctrl-C stops)", file=sys.stderr)
        return _record(recording, args.seconds)
    except StackscribeError as exc:
        print(f"stackscribe: {exc}", file=sys.stderr)
        return 1
    finally:
        runtime.close()


def _record(recording: Any, seconds: float) -> int:
    recording.start()
    try:
        deadline = time.monotonic() + seconds if seconds > 0 else None
        while deadline is None or time.monotonic() < deadline:
            if recording.wait(0.2) is not None or recording.error:
                break
    except KeyboardInterrupt:
        print("", file=sys.stderr)
    recording.stop()
    transcript = recording.wait(600)
    if transcript is None:
        print(f"stackscribe: {recording.error or 'no transcript'}", file=sys.stderr)
        return 1
    result = transcript.to_dict()
    recording.audio_path.with_suffix(".txt").write_text(formats.render(result, "txt"), "utf-8")
    recording.audio_path.with_suffix(".json").write_text(formats.render(result, "json"), "utf-8")
    print(
        f"Saved {recording.audio_path} ({recording.seconds:.1f} s) with its .txt and .json",
        file=sys.stderr,
    )
    return 0


def _audio_path(output: str | None, settings: Settings) -> Path:
    if output:
        path = Path(output)
        return path if path.suffix.lower() == ".wav" else path.with_suffix(".wav")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return settings.data_path / "recordings" / f"live-{stamp}.wav"
