"""The supervisor downloads the model before the engine starts: ``/health`` shows it.

A local Hugging Face hub (harness/hf_hub.py) serves the generated model as ``tiny``
and holds model.bin partway, so the ``downloading`` state is seen for as long as the test
needs, then lets it finish: the engine loads what was downloaded and transcribes with it.
"""

from __future__ import annotations

from harness.hf_hub import LocalHub
from harness.waits import until
from tests.server.conftest import upload, wait_final

MIB = 1024 * 1024


def test_health_reports_the_download_then_the_engine_runs_the_downloaded_model(
    make_server, local_hub: LocalHub, jfk: str
) -> None:
    held = local_hub.hold("model.bin", after=11 * MIB)
    live = make_server(wait=False, model="tiny")
    total = local_hub.size("Systran/faster-whisper-tiny")
    with live.client() as client:

        def downloading() -> dict | None:
            health = client.get("/health").json()
            started = health["download"] is not None and health["download"]["done"] > 0
            return health if started else None

        health = until(downloading, 60, "the download to start")
        download = health["download"]
        assert health["engine_state"] == "downloading"
        assert (health["status"], health["model_loaded"]) == ("degraded", False)
        assert download["total"] == total and 0 < download["done"] < total
        # Work accepted meanwhile waits for the engine.
        task_id = upload(client, jfk).json()["task_id"]
        assert client.get(f"/task/{task_id}").json()["status"] == "queued"

        held.release.set()
        assert wait_final(client, task_id, timeout=120)["status"] == "completed"
        health = client.get("/health").json()
        assert (health["engine_state"], health["download"], health["model"]) == (
            "ready",
            None,
            "tiny",
        )
        assert health["model_reason"] == "named"
