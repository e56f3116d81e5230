"""Bad input gets the documented status and a message, and the server keeps serving."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from harness.waits import task_status, until
from tests.conftest import PHRASE, phrases
from tests.server.conftest import upload, wait_final


def assert_error(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    assert words.lower() in body["detail"].lower(), body["detail"]


@pytest.fixture
def files(tmp_path: Path, shared_audio: Path) -> dict[str, Path]:
    made = {
        "empty": tmp_path / "empty.wav",
        "noise": tmp_path / "notes.mp3",
        "stub": tmp_path / "stub.flac",
        "truncated": tmp_path / "truncated.mp3",
        "flac_as_txt": tmp_path / "really-flac.txt",
    }
    made["empty"].write_bytes(b"")
    made["noise"].write_bytes(b"These are not the droids you are looking for.\n" * 50)
    made["stub"].write_bytes((shared_audio / "jfk.flac").read_bytes()[:200])
    mp3 = (shared_audio / "multilingual.mp3").read_bytes()
    made["truncated"].write_bytes(mp3[: len(mp3) // 3])
    shutil.copy(shared_audio / "jfk.flac", made["flac_as_txt"])
    return made


@pytest.mark.parametrize("listener", ["queue", "direct"])
def test_every_kind_of_bad_upload(
    make_server, files: dict[str, Path], jfk: str, shared_audio: Path, listener: str
) -> None:
    live = make_server(max_upload_mb=1)
    with live.client(listener) as client:
        assert_error(upload(client, files["empty"]), 400, "empty")
        assert_error(upload(client, files["noise"]), 400, "not audio")
        assert_error(upload(client, files["stub"]), 400, "FFmpeg can read (End of file)")
        assert_error(
            client.post("/transcribe/", data={"language": "en"}, files={"other": b"x"}),
            400,
            "field 'file'",
        )
        assert_error(client.post("/transcribe/", content=b"raw bytes"), 400, "multipart")
        assert_error(upload(client, jfk), 413, "MAX_UPLOAD_MB")  # 1.15 MB > 1 MB
        for field, value in [
            ("language", "xx"),
            ("task", "summarize"),
            ("priority", "high"),
            ("word_timestamps", "maybe"),
            ("response_format", "docx"),
            ("beam_size", "0"),
        ]:
            small = shared_audio / "hotwords.mp3"
            assert_error(upload(client, small, **{field: value}), 422, field)
    assert list(live.uploads.iterdir()) == []  # nothing refused is left on disk


def test_odd_files_that_are_audio_are_accepted(
    live, files: dict[str, Path], tmp_path: Path
) -> None:
    with live.client() as client:
        wrong_ext = upload(client, files["flac_as_txt"]).json()
        truncated = upload(client, files["truncated"]).json()
        escape = upload(client, files["flac_as_txt"], name="../../../etc/x.mp3").json()
        unicode = upload(client, files["flac_as_txt"], name="Réunion 会議 ☕.flac").json()
        for body in (wrong_ext, truncated, escape, unicode):
            done = wait_final(client, body["task_id"])
            assert done["status"] == "completed", done
            assert phrases(done["result"]["text"]) >= 1, done["result"]["text"]
        assert client.get(f"/task/{escape['task_id']}").json()["filename"] == "x.mp3"
        assert (
            client.get(f"/task/{unicode['task_id']}").json()["filename"] == "Réunion 会議 ☕.flac"
        )
    assert not (tmp_path.parent / "etc").exists()


def test_unknown_task_ids(live) -> None:
    with live.client() as client:
        for method, path in [
            ("GET", "/task/nope"),
            ("DELETE", "/task/nope"),
            ("GET", "/task/nope/result"),
            ("GET", "/task/..%2F..%2Fetc"),
        ]:
            response = client.request(method, path)
            assert response.status_code == 404
            assert isinstance(response.json()["detail"], str)


def test_result_of_an_unfinished_task_is_409(live, long_audio: str) -> None:
    with live.client() as client:
        task_id = upload(client, long_audio).json()["task_id"]
        assert_error(client.get(f"/task/{task_id}/result"), 409, "no result")
        client.delete(f"/task/{task_id}")


def test_full_queue_is_503_with_retry_after(make_server, long_audio: str, jfk: str) -> None:
    live = make_server(max_queue_size=1)
    with live.client() as client:
        running = upload(client, long_audio).json()["task_id"]
        task_status(client, running, "processing")
        queued = upload(client, jfk)
        assert queued.status_code == 200
        full = upload(client, jfk)
        assert_error(full, 503, "queue is full")
        assert int(full.headers["retry-after"]) > 0
        client.delete(f"/task/{running}")
        assert wait_final(client, running)["status"] == "cancelled"
        assert wait_final(client, queued.json()["task_id"])["status"] == "completed"
    # The refused upload never stayed; the other two went when their tasks ended.
    until(lambda: not list(live.uploads.iterdir()), 30, "every upload to be deleted")


def test_unavailable_model_is_503_and_says_which(make_server, jfk: str) -> None:
    live = make_server(wait=False, model="medium")
    live.runtime.supervisor.wait_settled(30)
    with live.client() as client:
        health = client.get("/health").json()
        assert health["status"] == "unhealthy" and health["model_loaded"] is False
        assert "medium" in health["error"]
        refused = upload(client, jfk)
        assert_error(refused, 503, "medium")
        assert "retry-after" in refused.headers
    with live.client("direct") as client:
        assert_error(upload(client, jfk), 503, "models download medium")


def test_the_server_keeps_serving_after_all_that(live, files: dict[str, Path], jfk: str) -> None:
    with live.client() as client:
        for _ in range(3):
            upload(client, files["noise"])
            upload(client, files["empty"])
        assert wait_final(client, upload(client, jfk).json()["task_id"])["status"] == "completed"
    with live.client("direct") as client:
        assert client.get("/health").json()["status"] == "healthy"
        assert upload(client, jfk).json()["text"] == PHRASE
