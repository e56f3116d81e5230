"""Audio a worker fetches from Redis is held to the same rule as an upload."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.task import Task, TaskStatus
from harness import defaults
from harness.waits import until

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]


def test_a_playlist_from_redis_is_refused_by_the_engine(
    make_runtime, redis_server, redis_prefix: str, tmp_path: Path, jfk: str
) -> None:
    runtime = make_runtime(
        redis=defaults.redis_options(redis_server.url, redis_prefix), redis_url=redis_server.url
    )
    playlist = tmp_path / "talk.m3u8"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20,\nfile://{jfk}\n#EXT-X-ENDLIST\n"
    )
    # Pushed straight to Redis, as another host (or anyone who can write to Redis) could.
    task = Task(filename="talk.m3u8", source=str(playlist))
    runtime.stack.primary.push(task)
    until(lambda: runtime.stack.get(task.id).status.is_final, 60, f"task {task.id} to end")
    done = runtime.stack.get(task.id)
    assert done.status == TaskStatus.FAILED, done
    assert "refer to other files" in (done.error or "") and done.error_code == 400
