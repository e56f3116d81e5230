"""Synthetic speech of a known text (espeak-ng), and how close a transcript comes to it.

The measures (word error rate, lost runs) live in :mod:`harness.wer`; here they are applied
to what a run heard: the accuracy tests hold Stackscribe to raw faster-whisper's run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.wer import align, normalize

TEXTS = Path(__file__).with_name("texts")
#: Where the tests keep what every test process can share: models, speech, raw transcripts.
TEST_CACHE = Path(tempfile.gettempdir()) / "stackscribe-test-models" / "transcripts"

#: Public-domain text, 1,127 words; about 6 minutes at espeak-ng's default speed.
DECLARATION = "declaration"
#: What jfk.flac says, normalised.
JFK = (
    "and so my fellow americans ask not what your country can do for you "
    "ask what you can do for your country"
)


def text(name: str = DECLARATION) -> str:
    return (TEXTS / f"{name}.txt").read_text()


def synthesize(target: str | Path, name: str = DECLARATION, words_per_minute: int = 175) -> Path:
    """Speak text ``name`` into a WAV file with espeak-ng (installed by scripts/bootstrap.sh)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is not installed: run scripts/bootstrap.sh (make bootstrap)")
    target = Path(target)
    if not target.exists():
        partial = target.with_suffix(".partial.wav")
        subprocess.run(
            [espeak, "-v", "en-us", "-s", str(words_per_minute), "-w", str(partial),
             "-f", str(TEXTS / f"{name}.txt")],
            check=True, capture_output=True,
        )  # fmt: skip
        partial.replace(target)
    return target


def looped(source: str | Path, target: str | Path, count: int, gap_seconds: float = 2.0) -> Path:
    """``source`` ``count`` times with silence between, as 16 kHz mono FLAC (bounded memory)."""
    import av
    import numpy as np

    from engine.pipeline.audio import read_all

    target = Path(target)
    if target.exists():
        return target
    clip = (np.clip(read_all(str(source)), -1, 1) * 32767).astype(np.int16)
    gap = np.zeros(int(gap_seconds * 16000), dtype=np.int16)
    partial = target.with_suffix(".partial.flac")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("flac", rate=16000, layout="mono")
        for i in range(count):
            for part in (clip, gap) if i < count - 1 and gap.size else (clip,):
                frame = av.AudioFrame.from_ndarray(part[None, :], format="s16", layout="mono")
                frame.sample_rate = 16000
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    partial.replace(target)
    return target


@dataclass(frozen=True)
class Heard:
    """What one run made of a file: the text and every word with its times."""

    text: str
    words: list[tuple[float, float, str]]

    def words_between(self, start: float, end: float) -> str:
        return " ".join(w for s, e, w in self.words if start <= (s + e) / 2 < end)


def midpoint_errors(reference: Heard, hypothesis: Heard) -> list[float]:
    """|difference| of the midpoints of the words both runs heard (aligned by text)."""
    ref_words = [w for w in reference.words if normalize(w[2])]
    hyp_words = [w for w in hypothesis.words if normalize(w[2])]
    ref_keys = [normalize(w[2])[0] for w in ref_words]
    hyp_keys = [normalize(w[2])[0] for w in hyp_words]
    alignment = align(ref_keys, hyp_keys)
    return [
        abs((ref_words[i][0] + ref_words[i][1]) / 2 - (hyp_words[j][0] + hyp_words[j][1]) / 2)
        for i, j in alignment.pairs
    ]


def raw_sequential(model: str, audio: str, vad_filter: bool, cache_dir: str | Path) -> Heard:
    """Raw faster-whisper ``WhisperModel.transcribe`` (word timestamps), the ground truth the
    accuracy tests hold Stackscribe to; cached on disk, since every test process needs it."""
    import fcntl
    import hashlib
    import json

    key = hashlib.sha256(f"{model}|{audio}|{os.path.getsize(audio)}|{vad_filter}".encode())
    cache = Path(cache_dir) / f"raw-{key.hexdigest()[:16]}.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cache.exists():
            from faster_whisper import WhisperModel

            whisper = WhisperModel(model, device="cpu", compute_type="int8", cpu_threads=2)
            segments, _ = whisper.transcribe(audio, vad_filter=vad_filter, word_timestamps=True)
            done = list(segments)
            heard = {
                "text": "".join(s.text for s in done),
                "words": [[w.start, w.end, w.word] for s in done for w in s.words or []],
            }
            cache.write_text(json.dumps(heard))
    data = json.loads(cache.read_text())
    return Heard(data["text"], [tuple(w) for w in data["words"]])


def check_against_raw(ours: Heard, raw: Heard, duration: float) -> None:
    """Fail unless ``ours`` is as complete and as well timed as raw faster-whisper's run.

    WER at most 1 point above it, no run of 3 or more reference words lost that it found,
    word midpoints within 0.15 s at the median and 0.5 s at the 95th percentile, word times
    monotone and inside the file.
    """
    reference = text()
    mine, theirs = align(reference, ours.text), align(reference, raw.text)
    assert mine.wer <= theirs.wer + 0.01, (mine.wer, theirs.wer)
    assert mine.lost_runs(found_by=theirs) == []

    errors = midpoint_errors(raw, ours)
    assert len(errors) > 0.8 * len(mine.reference)
    assert statistics.median(errors) <= 0.15
    assert statistics.quantiles(errors, n=20)[-1] <= 0.5  # the 95th percentile

    previous = 0.0
    for start, end, _ in ours.words:
        assert previous <= start <= end <= duration + 0.01
        previous = start
