"""Raw faster-whisper, as a user of the library would call it: the baseline of every ratio.

``python -m bench.raw_whisper MODEL MODE FILE... [--options JSON] [--dump FILE]`` prints a JSON
line with the seconds spent transcribing (the model load excluded) and the segments produced;
``--dump`` writes the text and words of every file, for WER and word-timing comparisons.
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
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--dump", default="")
    args = parser.parse_args()

    from faster_whisper import BatchedInferencePipeline, WhisperModel

    model = WhisperModel(args.model, device="cpu", compute_type="int8", cpu_threads=args.threads)
    options = json.loads(args.options)
    started = time.perf_counter()
    segments = 0
    dumps = []
    for path in args.files:
        if args.mode == "sequential":
            result, _ = model.transcribe(path, **options)
        else:
            pipeline = BatchedInferencePipeline(model)
            result, _ = pipeline.transcribe(path, batch_size=args.batch_size, **options)
        done = list(result)
        segments += len(done)
        dumps.append(
            {
                "text": "".join(s.text for s in done),
                "segments": [[s.start, s.end] for s in done],
                "words": [[w.start, w.end, w.word] for s in done for w in s.words or []],
            }
        )
    print(json.dumps({"seconds": time.perf_counter() - started, "segments": segments}))
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump(dumps, f)


if __name__ == "__main__":
    main()
