"""Stackscribe through its own stack and engine, timed from submission to the last result.

``python -m bench.ours MODEL FILE... [--options JSON]`` starts a Runtime (stack host, engine
process), waits for the model, then submits every file and waits for every result; it
prints a JSON line with the seconds from the first submission to the last completion.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--options", default="{}")
    parser.add_argument("--batch-size", type=int, default=0)
    parser.add_argument("--dump", default="")
    args = parser.parse_args()

    from app import logs
    from app.runtime import Runtime
    from app.settings import Settings
    from engine.task import TaskStatus, TranscribeOptions

    logs.configure("warning")
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            model=args.model,
            cpu_threads=args.threads,
            data_dir=data,
            redis_url="",
            batch_size=args.batch_size,
        )
        runtime = Runtime(settings)
        try:
            assert runtime.supervisor.wait_settled(120).alive
            options = TranscribeOptions(**json.loads(args.options))
            started = time.perf_counter()
            ids = [
                runtime.service.submit(f, f, options, priority=-i)[0].id
                for i, f in enumerate(args.files)
            ]
            tasks = [runtime.service.wait(task_id) for task_id in ids]
            elapsed = time.perf_counter() - started
        finally:
            runtime.close()
    assert all(t.status == TaskStatus.COMPLETED for t in tasks), [t.error for t in tasks]
    results = [t.result for t in tasks if t.result is not None]
    assert len(results) == len(tasks)  # a completed task carries its result
    segments = sum(len(r["segments"]) for r in results)
    print(json.dumps({"seconds": elapsed, "segments": segments}))
    if args.dump:
        with open(args.dump, "w") as f:
            json.dump([_dump(r) for r in results], f)


def _dump(result: dict) -> dict:
    segments = result["segments"]
    return {
        "text": result["text"],
        "segments": [[s["start"], s["end"]] for s in segments],
        "words": [[w["start"], w["end"], w["text"]] for s in segments for w in s["words"]],
    }


if __name__ == "__main__":
    main()
