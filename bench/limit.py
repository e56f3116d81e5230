"""What any Whisper tool must at least spend on a file, and where Stackscribe's time goes.

``python -m bench.limit MODEL FILE --words DUMP`` prints the *limit*: Whisper's encoder run
once over every speech window (the windows Stackscribe plans: Silero VAD, packed to 30 s)
plus its decoder run once over the transcript's own tokens, forced, in each window
(CTranslate2's ``align``, the pass word timing makes); no search, no second reading. DUMP is
``bench.ours``'s ``--dump`` of the same file, whose words say which tokens fall in which
window. Planning (audio decoding and VAD) is left out: it overlaps the model's work.

``python -m bench.limit MODEL FILE --stages`` transcribes the file in this process as the
engine does (API defaults) and prints the seconds spent in each part: features, encoder,
decoding, word alignment, re-reads, and the planner thread (audio decoding and VAD).
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from typing import Any

import numpy as np

N_FRAMES = 3000  # Whisper's 30 s of 10 ms frames


def limit(model_path: str, path: str, words: list[list[Any]], threads: int) -> dict[str, Any]:
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

    from engine.pipeline.audio import SAMPLE_RATE, stream_pcm
    from engine.pipeline.windows import plans

    model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=threads)
    tokenizer = Tokenizer(
        model.hf_tokenizer,
        model.model.is_multilingual,
        task="transcribe",
        language="en" if model.model.is_multilingual else None,
    )
    windows: list[tuple[np.ndarray, list[int]]] = []
    for plan in plans(stream_pcm(path), "batched", True, 8):
        speech_map = plan.time_map()
        for window in plan.windows:
            lo, hi = speech_map.window_of(window["start"])
            start = speech_map.chunks[lo]["start"] / SAMPLE_RATE
            end = speech_map.chunks[hi - 1]["end"] / SAMPLE_RATE
            text = "".join(w[2] for w in words if start <= (w[0] + w[1]) / 2 < end)
            audio = plan.speech[
                int(window["start"] * SAMPLE_RATE) : int(window["end"] * SAMPLE_RATE)
            ]
            windows.append((audio, tokenizer.encode(text)))
    cpu, started = time.process_time(), time.perf_counter()
    encode = align = 0.0
    for audio, tokens in windows:
        at = time.perf_counter()
        features = model.feature_extractor(audio)[..., :-1]
        frames = min(features.shape[-1], N_FRAMES)
        padded = np.zeros((1, features.shape[0], N_FRAMES), dtype=np.float32)
        padded[0, :, :frames] = features[:, :frames]
        output = model.encode(padded)
        encode += time.perf_counter() - at
        at = time.perf_counter()
        if tokens:
            model.model.align(output, tokenizer.sot_sequence, [tokens], [frames // 2])
        align += time.perf_counter() - at
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": round(time.process_time() - cpu, 2),
        "encoder_s": round(encode, 2),
        "forced_decoder_s": round(align, 2),
        "windows": len(windows),
        "tokens": sum(len(t) for _, t in windows),
    }


class _Timed:
    """A stand-in for the CTranslate2 model that adds up the seconds of each method."""

    def __init__(self, inner: Any, seconds: dict[str, float]) -> None:
        self._inner = inner
        self._seconds = seconds
        self.calls: collections.Counter[str] = collections.Counter()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if not callable(found):
            return found

        def timed(*args: Any, **kwargs: Any) -> Any:
            at = time.perf_counter()
            try:
                return found(*args, **kwargs)
            finally:
                self._seconds[name] += time.perf_counter() - at
                self.calls[name] += 1

        return timed


def stages(model_path: str, path: str, threads: int) -> dict[str, Any]:
    from engine.pipeline import transcriber, windows
    from engine.task import TranscribeOptions
    from harness import defaults

    seconds: dict[str, float] = collections.defaultdict(float)
    engine = defaults.transcriber(model_path, device="cpu", cpu_threads=threads)
    model = _Timed(engine.model.model, seconds)
    engine.model.model = model
    extractor = engine.model.feature_extractor

    class Features:
        def __getattr__(self, name: str) -> Any:
            return getattr(extractor, name)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            at = time.perf_counter()
            try:
                return extractor(*args, **kwargs)
            finally:
                seconds["features"] += time.perf_counter() - at

    engine.model.feature_extractor = Features()
    planner_cpu = [0.0]
    plan_stream = windows.plans

    def planned(*args: Any, **kwargs: Any) -> Any:
        """The planner's generator, its thread's CPU time counted (audio decoding, VAD)."""
        it = plan_stream(*args, **kwargs)
        while True:
            at = time.thread_time()
            try:
                plan = next(it)
            except StopIteration:
                planner_cpu[0] += time.thread_time() - at
                return
            planner_cpu[0] += time.thread_time() - at
            yield plan

    transcriber.plan_stream = planned
    for name in ("_tail", "_again"):
        original = getattr(transcriber._Run, name)

        def reread(*args: Any, _name: str = name, _original: Any = original) -> Any:
            at = time.perf_counter()
            try:
                return _original(*args)
            finally:
                seconds["reread" + _name] += time.perf_counter() - at

        setattr(transcriber._Run, name, reread)
    options = TranscribeOptions(vad_filter=True, word_timestamps=True)
    cpu, started = time.process_time(), time.perf_counter()
    engine.transcribe(path, options, lambda *_: None)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "planner_cpu_s": round(planner_cpu[0], 2),
        "encoder_passes": model.calls["encode"],
        "decoder_calls": model.calls["generate"],
        **{f"{name}_s": round(value, 2) for name, value in sorted(seconds.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("file")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--words", default="", help="bench.ours --dump of the same file")
    parser.add_argument("--stages", action="store_true")
    args = parser.parse_args()
    if args.stages:
        print(json.dumps(stages(args.model, args.file, args.threads)))
        return
    with open(args.words) as f:
        words = json.load(f)[0]["words"]
    print(json.dumps(limit(args.model, args.file, words, args.threads)))


if __name__ == "__main__":
    main()
