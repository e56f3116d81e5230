"""``python -m bench [NAME...]``: run benchmarks, then rewrite bench/RESULTS.md.

Names: engine.speed, engine.memory, engine.short, server.direct, server.uploads,
server.websocket, server.direct_first, cluster.ops, cluster.recovery, packaging, live
(default: all); engine.read is engine.speed without the looped jfk (not in the default).
Results of earlier runs are kept in bench/out/*.json, so a partial run still renders the whole
report.
"""

from __future__ import annotations

import importlib
import sys

from bench.report import write

ALL = {
    "engine.speed": ("bench.engine", "speed"),
    "engine.read": ("bench.engine", "read"),
    "engine.memory": ("bench.engine", "memory"),
    "engine.short": ("bench.engine", "short_files"),
    "server.direct": ("bench.server", "direct"),
    "server.uploads": ("bench.server", "uploads"),
    "server.websocket": ("bench.server", "websocket"),
    "server.direct_first": ("bench.direct_first", "measure"),
    "cluster.ops": ("bench.cluster", "operations"),
    "cluster.recovery": ("bench.cluster", "recovery"),
    "packaging": ("bench.packaging", "measure"),
    "live": ("bench.live", "measure"),
}


def main(argv: list[str]) -> None:
    names = argv or [name for name in ALL if name != "engine.read"]
    for name in names:
        if name == "report":
            continue
        module, function = ALL[name]
        print(f"== {name}", flush=True)
        result = getattr(importlib.import_module(module), function)()
        print(result, flush=True)
    write()


main(sys.argv[1:])
