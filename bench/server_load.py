"""Load generators run in their own process so they do not share the server's CPU time.

``python -m bench.server_load uploads URL FILE COUNT CONCURRENCY`` prints the uploads per
second; ``python -m bench.server_load sockets WS_URL COUNT FRAMES`` connects COUNT WebSocket
subscribers and prints the latency of every frame (receive time minus the send time the
frame carries in its message).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def uploads(url: str, path: str, count: int, concurrency: int) -> None:
    import httpx

    data = open(path, "rb").read()  # noqa: SIM115 - read once, kept for every request
    done = 0
    failures = 0

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal done, failures
        while done + failures < count:
            response = await client.post(f"{url}/transcribe/", files={"file": ("clip.mp3", data)})
            if response.status_code == 200:
                done += 1
            else:
                failures += 1

    async with httpx.AsyncClient(timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "uploads": done,
                "failures": failures,
                "seconds": elapsed,
                "per_second": done / elapsed,
            }
        )
    )


async def sockets(url: str, count: int, frames: int) -> None:
    import websockets

    latencies: list[float] = []
    ready = asyncio.Event()
    connected = 0

    async def subscriber() -> None:
        nonlocal connected
        async with websockets.connect(url, max_queue=None) as ws:
            await ws.recv()  # the current state
            connected += 1
            if connected == count:
                ready.set()
                print("READY", flush=True)
            seen = 0
            while seen < frames:
                frame = json.loads(await ws.recv())
                received = time.time()
                message = frame["data"]["message"]
                if message.startswith("t="):
                    latencies.append(received - float(message[2:]))
                    seen += 1

    await asyncio.gather(*(subscriber() for _ in range(count)))
    print(json.dumps({"latencies": latencies}))


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "uploads":
        asyncio.run(uploads(args[0], args[1], int(args[2]), int(args[3])))
    else:
        asyncio.run(sockets(args[0], int(args[1]), int(args[2])))


if __name__ == "__main__":
    main()
