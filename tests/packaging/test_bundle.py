"""The PyInstaller bundle, built by packaging/build.sh and run as a user would run it.

Every mode runs frozen, with its spawned engine where it has one: transcribe a file, serve
HTTP, take a task from Redis as a worker, open the window offscreen, list models (and refuse
a download offline), print the settings; plus what a Linux user gets: the .tar.gz, which runs
wherever it is unpacked, install.sh, the desktop entry and the icon.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.bundle import Bundle, ensure_built
from harness.waits import until
from tests.conftest import PHRASE

pytestmark = [
    pytest.mark.slow,
    # The first test to run also builds the bundle (a minute or two, more on a busy machine).
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="packaging/build.sh builds for Linux here"
    ),
]

STARTUP = 120.0  # seconds for a frozen engine to load the generated model on a busy CI box

# Window-system libraries the bundle may leave to the desktop: any X11 or Wayland session
# has them, and the build bundles them when its machine has them too.
DESKTOP_LIBS = {
    "libxcb-icccm.so.4",
    "libxcb-keysyms.so.1",
    "libwayland-cursor.so.0",
    "libwayland-egl.so.1",
}


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return ensure_built()


@pytest.fixture
def env() -> dict[str, str]:
    """Offline, in-memory stack, offscreen Qt: nothing outside the test is touched."""
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "REDIS_URL": "",
        "QT_QPA_PLATFORM": "offscreen",
    }


@pytest.fixture
def folders(tmp_path: Path, tiny_model: str) -> list[str]:
    """Settings every serving mode takes: the generated model, private folders, one thread."""
    return [
        *("--model", tiny_model, "--cpu-threads", "1"),
        *("--data-dir", str(tmp_path / "data"), "--model-dir", str(tmp_path / "models")),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(
    bundle: Bundle, *args: str, env: dict[str, str], timeout: float = STARTUP
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle.exe), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_clean(proc: subprocess.CompletedProcess, code: int = 0) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode == code, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes started by a test; any still running at teardown is killed."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_bundle_holds_every_part_and_leaves_out_the_rest(bundle: Bundle) -> None:
    inside = bundle.internal
    assert os.access(bundle.exe, os.X_OK)
    assert (inside / "faster_whisper" / "assets" / "silero_vad_v6.onnx").is_file()
    assert list((inside / "ctranslate2.libs").glob("libctranslate2*.so*"))
    assert list((inside / "onnxruntime" / "capi").glob("onnxruntime_pybind11_state*.so"))
    assert list((inside / "av.libs").glob("libavcodec*.so*"))
    plugins = inside / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqoffscreen.so", "platforms/libqxcb.so", "imageformats"):
        assert (plugins / plugin).exists(), plugin
    names = {p.name for p in inside.rglob("*")}
    unused = ("libQt6Quick.", "libQt6Qml.", "libQt6Pdf.", "QtQml.", "QtQuick.", "_tkinter")
    for unwanted in unused:
        assert not [n for n in names if n.startswith(unwanted)], unwanted
    assert not (plugins / "platformthemes" / "libqgtk3.so").exists()
    assert not [n for n in names if n.startswith("libgtk-3")]


def test_the_archive_holds_our_modules_and_none_of_the_unused(bundle: Bundle) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    modules = set(CArchiveReader(str(bundle.exe)).open_embedded_archive("PYZ.pyz").toc)
    expected = {"engine.process.main", "engine.process.worker", "server.app", "gui.main_window"}
    assert expected <= modules
    tops = {name.split(".")[0] for name in modules}
    unused = {"torch", "tkinter", "IPython", "matplotlib", "pytest", "_pytest", "tests"}
    assert not tops & unused


def test_every_bundled_library_finds_what_it_needs(bundle: Bundle) -> None:
    """Nothing slim.py left out is still needed, nor anything the build machine lacked."""
    inside = bundle.internal
    env = {**os.environ, "LD_LIBRARY_PATH": str(inside)}
    missing: dict[str, set[str]] = {}
    for lib in inside.rglob("*.so*"):
        if lib.is_symlink() or not lib.is_file():
            continue
        ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env)
        for line in ldd.stdout.splitlines():
            name = line.strip().split(" ")[0]
            if "not found" in line and name not in DESKTOP_LIBS:
                missing.setdefault(name, set()).add(str(lib.relative_to(inside)))
    assert not missing, missing


def test_the_tarball_unpacks_anywhere_and_runs(
    bundle: Bundle, tmp_path: Path, jfk: str, env: dict[str, str], folders: list[str]
) -> None:
    assert bundle.tarball is not None
    subprocess.run(["tar", "-xzf", str(bundle.tarball), "-C", str(tmp_path)], check=True)
    unpacked = Bundle(tmp_path / "stackscribe", None, None)
    assert (unpacked.folder / "install.sh").is_file()
    proc = run(unpacked, "transcribe", jfk, "--output-dir", "-", *folders, env=env)
    assert_clean(proc)
    assert proc.stdout.strip() == PHRASE


def test_desktop_entry_and_icon(bundle: Bundle) -> None:
    entry = (bundle.folder / "share" / "applications" / "stackscribe.desktop").read_text()
    assert "Exec=stackscribe gui" in entry and "Icon=stackscribe" in entry
    png = bundle.folder / "share" / "icons" / "hicolor" / "256x256" / "apps" / "stackscribe.png"
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (256, 256)


def test_install_script_puts_stackscribe_on_path_and_in_the_menu(
    bundle: Bundle, tmp_path: Path, env: dict[str, str]
) -> None:
    home = {**env, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "share")}
    proc = subprocess.run(
        [str(bundle.folder / "install.sh")], env=home, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    entry = (tmp_path / "share" / "applications" / "stackscribe.desktop").read_text()
    assert f'Exec="{bundle.exe}" gui' in entry
    link = tmp_path / ".local" / "bin" / "stackscribe"
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True, env=env)
    assert_clean(version)
    assert version.stdout.startswith("stackscribe ")
    subprocess.run([str(bundle.folder / "install.sh"), "--uninstall"], env=home, check=True)
    assert not link.exists()


def test_help_config_and_models(bundle: Bundle, tmp_path: Path, env: dict[str, str]) -> None:
    helped = run(bundle, "--help", env=env)
    assert_clean(helped)
    for mode in ("gui", "serve", "transcribe", "worker", "models", "config"):
        assert mode in helped.stdout
    config = run(bundle, "config", env={**env, "WHISPER_MODEL": "tiny"})
    assert_clean(config)
    assert "model = 'tiny'" in config.stdout
    listed = run(bundle, "models", "list", "--model-dir", str(tmp_path), env=env)
    assert_clean(listed)
    assert "no models downloaded yet" in listed.stdout
    offline = run(bundle, "models", "download", "tiny", "--model-dir", str(tmp_path), env=env)
    assert_clean(offline, code=2)
    assert "cannot be reached" in offline.stderr


def test_transcribe_writes_the_transcript(
    bundle: Bundle, jfk: str, tmp_path: Path, env: dict[str, str], folders: list[str]
) -> None:
    out = tmp_path / "out"
    args = ["transcribe", jfk, "--format", "txt,srt", "--output-dir", str(out)]
    proc = run(bundle, *args, *folders, env=env)
    assert_clean(proc)
    assert (out / "jfk.txt").read_text().strip() == PHRASE
    assert PHRASE in (out / "jfk.srt").read_text()


def test_with_no_model_named_the_bundle_transcribes_offline(
    bundle: Bundle, jfk: str, tmp_path: Path, env: dict[str, str]
) -> None:
    """A fresh machine with no hub: the multilingual base inside the bundle does the work."""
    out = tmp_path / "out"
    args = ["transcribe", jfk, "--format", "txt", "--output-dir", str(out), "--cpu-threads", "1"]
    args += ["--data-dir", str(tmp_path / "data"), "--model-dir", str(tmp_path / "models")]
    proc = run(bundle, *args, env={**env, "HF_HUB_OFFLINE": "1"})
    assert_clean(proc)
    assert "Model: base (the default model 'small' is not downloaded" in proc.stderr
    text = (out / "jfk.txt").read_text().lower()
    assert "ask not what your country can do for you" in text


def test_serve_answers_health_and_a_direct_transcription(
    bundle: Bundle,
    jfk: str,
    tmp_path: Path,
    env: dict[str, str],
    folders: list[str],
    started: list[subprocess.Popen],
) -> None:
    queue_port, direct_port, tasks_port = free_port(), free_port(), free_port()
    ports = ["--queue-port", str(queue_port), "--direct-port", str(direct_port)]
    ports += ["--tasks-port", str(tasks_port)]
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(bundle.exe), "serve", *ports, *folders], env=env, stdout=sink, stderr=sink
        )
    started.append(proc)
    health = _wait_healthy(proc, f"http://127.0.0.1:{direct_port}/health", log)
    assert health["engine_state"] == "ready"
    assert httpx.get(f"http://127.0.0.1:{queue_port}/health").json()["status"] == "healthy"
    tasks_health = httpx.get(f"http://127.0.0.1:{tasks_port}/health").json()
    assert tasks_health["status"] == "healthy" and "queue_stats" in tasks_health
    with open(jfk, "rb") as audio:
        answer = httpx.post(
            f"http://127.0.0.1:{direct_port}/transcribe/",
            files={"file": ("jfk.flac", audio, "audio/flac")},
            timeout=STARTUP,
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["text"].strip() == PHRASE
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()


@pytest.mark.redis
def test_worker_takes_a_task_from_a_shared_redis_stack(
    bundle: Bundle,
    jfk: str,
    tmp_path: Path,
    env: dict[str, str],
    folders: list[str],
    started: list[subprocess.Popen],
    redis_server,
    redis_prefix: str,
) -> None:
    from engine.task import Task, TaskStatus
    from harness import defaults

    shared = ["--redis-url", redis_server.url, "--redis-prefix", redis_prefix]
    log = tmp_path / "worker.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [str(bundle.exe), "worker", *shared, *folders], env=env, stdout=sink, stderr=sink
        )
    started.append(proc)
    stack = defaults.redis_stack(redis_server.url, redis_prefix)
    try:
        task = Task(filename="jfk.flac", source=jfk)
        stack.push(task)

        def final() -> Task | None:
            assert proc.poll() is None, f"worker exited:\n{log.read_text()[-3000:]}"
            done = stack.get(task.id)
            return done if done is not None and done.status.is_final else None

        done = until(final, STARTUP, "the worker to finish the task")
    finally:
        stack.close()
    assert done.status == TaskStatus.COMPLETED, done.error
    assert done.result is not None and done.result["text"].strip() == PHRASE
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0, log.read_text()[-3000:]
    assert "Traceback" not in log.read_text()


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> dict:

    def healthy() -> dict | None:
        assert proc.poll() is None, f"serve exited early:\n{log.read_text()[-3000:]}"
        try:
            body = httpx.get(url, timeout=5).json()
        except httpx.TransportError:
            return None
        return body if body.get("status") == "healthy" else None

    return until(healthy, STARTUP, "serve to be healthy")


def test_gui_starts_offscreen_and_quits_cleanly(
    bundle: Bundle, env: dict[str, str], folders: list[str]
) -> None:
    ports = ["--queue-port", str(free_port()), "--direct-port", str(free_port())]
    ports += ["--tasks-port", str(free_port())]
    gui_env = {**env, "STACKSCRIBE_QUIT_AFTER": "3"}
    try:
        proc = run(bundle, "gui", *ports, *folders, env=gui_env)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"the window did not close itself within {STARTUP:.0f} s of "
            f"STACKSCRIBE_QUIT_AFTER=3:\n{_text(exc.stderr)[-3000:]}"
        ) from None
    assert_clean(proc)


def _text(output: bytes | str | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""
