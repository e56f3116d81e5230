"""Which sound devices PortAudio offers, and why recording or playback may be impossible.

Importing :mod:`sounddevice` starts PortAudio, which scans every device (and on Linux
reads the ALSA configuration); :func:`probe` is therefore called off the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

NO_PORTAUDIO = (
    "Recording and playback need the PortAudio library, which was not found ({reason}). "
    "Install it (Debian/Ubuntu: sudo apt install libportaudio2) and restart Stackscribe."
)
NO_INPUT = (
    "No microphone or other input device was found. Connect one and restart Stackscribe "
    "to record; everything else works without it."
)
NO_OUTPUT = "No audio output device was found, so segments cannot be played."


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    samplerate: float


@dataclass(frozen=True)
class AudioDevices:
    """What can be recorded from and played to; a problem says why not."""

    inputs: tuple[InputDevice, ...] = ()
    default_input: int | None = None
    output: int | None = None
    input_problem: str = ""
    output_problem: str = ""

    @property
    def can_record(self) -> bool:
        return bool(self.inputs) and not self.input_problem

    @property
    def can_play(self) -> bool:
        return self.output is not None and not self.output_problem


def sounddevice() -> Any:
    """The sounddevice module; raises OSError/ImportError when PortAudio is missing."""
    import sounddevice as sd

    return sd


def probe() -> AudioDevices:
    """Scan the devices once; never raises for a missing library or device."""
    try:
        sd = sounddevice()
    except (OSError, ImportError) as exc:
        reason = NO_PORTAUDIO.format(reason=exc)
        log.info("%s", reason)
        return AudioDevices(input_problem=reason, output_problem=reason)
    try:
        devices = list(sd.query_devices())
        default_in, default_out = sd.default.device
    except sd.PortAudioError as exc:
        reason = f"PortAudio could not list the sound devices ({exc})."
        log.warning("%s", reason)
        return AudioDevices(input_problem=reason, output_problem=reason)
    return _from_list(devices, default_in, default_out)


def _from_list(devices: list[dict[str, Any]], default_in: int, default_out: int) -> AudioDevices:
    inputs = tuple(
        InputDevice(i, d["name"], float(d["default_samplerate"]))
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    )
    outputs = [i for i, d in enumerate(devices) if d["max_output_channels"] > 0]
    output = default_out if default_out in outputs else (outputs[0] if outputs else None)
    default = default_in if any(d.index == default_in for d in inputs) else None
    if default is None and inputs:
        default = inputs[0].index
    log.info("Sound devices: %d input(s), %d output(s)", len(inputs), len(outputs))
    return AudioDevices(
        inputs=inputs,
        default_input=default,
        output=output,
        input_problem="" if inputs else NO_INPUT,
        output_problem="" if output is not None else NO_OUTPUT,
    )
