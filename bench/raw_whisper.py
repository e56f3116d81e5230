"""Raw faster-whisper, as a user of the library would call it: the baseline of every ratio.

``python -m bench.raw_whisper MODEL MODE FILE... [--options JSON]`` prints a JSON line with
the seconds spent transcribing (the model load excluded) and the segments produced.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("mode", choices=("sequential", "batched"))
    parser.add_argument("files", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--options", default="{}")
    args = parser.parse_args()

    from faster_whisper import BatchedInferencePipeline, WhisperModel

    model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=args.threads)
    options = json.loads(args.options)
    started = time.perf_counter()
    segments = 0
    for path in args.files:
        if args.mode == "sequential":
            result, _ = model.transcribe(path, **options)
        else:
            result, _ = BatchedInferencePipeline(model).transcribe(path, **options)
        segments += sum(1 for _ in result)
    print(json.dumps({"seconds": time.perf_counter() - started, "segments": segments}))


if __name__ == "__main__":
    main()
