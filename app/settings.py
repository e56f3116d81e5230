"""Every setting, declared once: name, environment variable, default, help.

:class:`Settings` is built once in ``main()`` (CLI flag over environment variable over
default) and passed down. The CLI flags, ``python -m app config`` and the README's settings
table are all generated from the fields below; a test fails when the README falls behind.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import replacements
from engine.redact import redact
from engine.replacements import Table as ReplacementTable
from engine.task import DECODE_MODES
from server.config import LISTENERS

# Which command-line modes show a setting's flag.
ALL = ("gui", "serve", "transcribe", "worker", "watch")
SERVING = ("gui", "serve")
SHARED_STACK = ("gui", "serve", "worker")


def setting(
    default: Any,
    help: str,
    *,
    env: str,
    modes: tuple[str, ...] = ALL,
    choices: tuple[str, ...] | None = None,
    secret: bool = False,
    metavar: str | None = None,
) -> Any:
    """Declare one setting; every other place derives from this declaration."""
    return field(
        default=default,
        metadata={
            "help": help,
            "env": env,
            "modes": modes,
            "choices": choices,
            "secret": secret,
            "metavar": metavar,
        },
    )


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one run."""

    model: str = setting(
        "",
        "Whisper model: a name (tiny, base, small, medium, large-v3, large-v3-turbo, "
        "distil-large-v3, ...), a Hugging Face repository id, or a CTranslate2 model folder; "
        "empty = the best available: small when downloaded or downloadable, else the "
        "multilingual base installed with Stackscribe",
        env="WHISPER_MODEL",
        metavar="NAME|PATH",
    )
    device: str = setting(
        "auto",
        "Where the model runs: auto (CUDA when a GPU is visible, else CPU), cpu, cuda",
        env="WHISPER_DEVICE",
        choices=("auto", "cpu", "cuda"),
    )
    compute_type: str = setting(
        "auto",
        "CTranslate2 compute type: auto (float16 on a GPU, int8 on a CPU), int8, "
        "int8_float16, float16, float32, ...",
        env="WHISPER_COMPUTE_TYPE",
    )
    cpu_threads: int = setting(
        0,
        "CPU threads for the model; 0 uses every core",
        env="CPU_THREADS",
    )
    model_dir: str = setting(
        "",
        "Where models are downloaded and looked up; empty = the Hugging Face cache "
        "(~/.cache/huggingface/hub), so models other tools fetched are reused",
        env="MODEL_DIR",
        metavar="DIR",
    )
    decode_mode: str = setting(
        "auto",
        "Decoding: batched (fastest on long files), sequential (best for short clips) "
        "or auto (sequential under batched_min_seconds)",
        env="DECODE_MODE",
        choices=DECODE_MODES,
    )
    batched_min_seconds: float = setting(
        30.0,
        "In auto mode, files longer than this use batched decoding; shorter ones (one "
        "30-second window) decode sequentially, at the same cost, with temperature fallback",
        env="BATCHED_MIN_SECONDS",
    )
    batch_size: int = setting(
        0,
        "Windows decoded together in batched mode; 0 = auto (16 on a GPU, 2 on a CPU; 4 was "
        "13% faster on 2 cores with tiny.en but took a fifth more memory, see bench/RESULTS.md)",
        env="BATCH_SIZE",
    )
    beam_size: int = setting(5, "Beam size of the decoder", env="BEAM_SIZE")
    batched_fallback: str = setting(
        "on",
        "In batched mode, a window that fails sequential decoding's thresholds (a repetition "
        "loop, text too unlikely) is decoded again alone with temperature fallback; off saves "
        "that time on hard audio (a hard Thai file took six times as long; see README)",
        env="BATCHED_FALLBACK",
        choices=("on", "off"),
    )
    replacements: str = setting(
        "",
        "Word replacements applied to every transcript: from=to entries separated by ';' "
        "('comfy eye=ComfyUI; stack scribe=Stackscribe'), or a JSON object; whole words, "
        "any case; an empty to removes the words",
        env="REPLACEMENTS",
        metavar="TABLE",
    )
    worker_timeout: float = setting(
        1200.0,
        "Seconds one task may run before it fails (the engine goes on)",
        env="WORKER_TIMEOUT",
    )
    max_queue_size: int = setting(
        0,
        "Most tasks waiting in the stack; 0 = unlimited (503 when full)",
        env="MAX_QUEUE_SIZE",
        modes=SHARED_STACK,
    )
    redis_url: str = setting(
        "redis://localhost:6379",
        "Redis server shared by several engines; unreachable or empty = the in-memory stack",
        env="REDIS_URL",
        modes=SHARED_STACK,
        metavar="URL",
    )
    redis_prefix: str = setting(
        "stackscribe:",
        "Prefix of every Redis key, so several deployments can share a server",
        env="REDIS_PREFIX",
        modes=SHARED_STACK,
    )
    lease_seconds: float = setting(
        10.0,
        "An engine that stops sending heartbeats for this long loses its task, which "
        "runs again elsewhere (Redis)",
        env="LEASE_SECONDS",
        modes=SHARED_STACK,
    )
    max_attempts: int = setting(
        3,
        "Times a task is started before it fails because its engines kept dying",
        env="MAX_ATTEMPTS",
        modes=SHARED_STACK,
    )
    result_ttl: int = setting(
        604800,
        "Seconds finished tasks and their results are kept in Redis (default 7 days)",
        env="RESULT_TTL",
        modes=SHARED_STACK,
    )
    host: str = setting(
        "127.0.0.1",
        "Address every listener binds; anything but loopback requires --api-key",
        env="HOST",
        modes=SERVING,
    )
    queue_port: int = setting(
        8000, "Port of the queue API; 0 = not served", env="QUEUE_PORT", modes=SERVING
    )
    direct_port: int = setting(
        8001, "Port of the direct API; 0 = not served", env="DIRECT_PORT", modes=SERVING
    )
    tasks_port: int = setting(
        8002,
        "Port of the tasks API (the original system's separated queue service); 0 = not served",
        env="TASKS_PORT",
        modes=SERVING,
    )
    listeners: str = setting(
        ",".join(LISTENERS),
        "Comma-separated listeners to serve: queue, direct, tasks (serving only direct "
        "needs no Redis and keeps no journal)",
        env="LISTENERS",
        modes=SERVING,
    )
    max_upload_mb: int = setting(
        2048,
        "Largest upload accepted, in MB (413 above)",
        env="MAX_UPLOAD_MB",
        modes=SERVING,
    )
    data_dir: str = setting(
        "",
        "Where uploads, the task journal and settings live; empty = the platform's "
        "user data folder",
        env="DATA_DIR",
        metavar="DIR",
    )
    api_key: str = setting(
        "",
        "Bearer token required on every request (and ?token= on WebSockets); required "
        "when --host is not loopback",
        env="API_KEY",
        modes=SERVING,
        secret=True,
    )
    cors_origins: str = setting(
        "http://localhost:3000,http://127.0.0.1:3000",
        "Comma-separated origins allowed by CORS and on WebSockets",
        env="CORS_ORIGINS",
        modes=SERVING,
    )
    allowed_hosts: str = setting(
        "",
        "Comma-separated host names (besides loopback names and --host) that requests may "
        "carry in their Host header when no API key is set; others get 421 (a web page whose "
        "name points at this machine cannot read it); * = any",
        env="ALLOWED_HOSTS",
        modes=SERVING,
    )
    callback_hosts: str = setting(
        "localhost,127.0.0.1,::1",
        "Comma-separated hosts a task's callback_url may name (exact host names or IP "
        "addresses); others are refused at submission; default: this machine only",
        env="CALLBACK_HOSTS",
        modes=SERVING,
    )
    callback_secret: str = setting(
        "",
        "Key that signs each callback: header X-Stackscribe-Signature is sha256= and the hex "
        "HMAC-SHA256 of the body; empty = unsigned",
        env="CALLBACK_SECRET",
        modes=SERVING,
        secret=True,
    )
    callback_attempts: int = setting(
        4,
        "Times a callback is tried before it is given up (waiting 1, 2, 4, ... s between tries)",
        env="CALLBACK_ATTEMPTS",
        modes=SERVING,
    )
    live_max_streams: int = setting(
        4,
        "Most live transcription streams open at once (/ws/live, /v1/realtime, the GUI's "
        "recording); one more is refused with a clear error",
        env="LIVE_MAX_STREAMS",
        modes=SERVING,
    )
    live_max_frame_kb: int = setting(
        256,
        "Largest audio frame a live stream accepts, in KB (the stream ends with an error above)",
        env="LIVE_MAX_FRAME_KB",
        modes=SERVING,
    )
    live_max_minutes: float = setting(
        240.0,
        "Longest live stream, in minutes of audio (it ends with an error past this)",
        env="LIVE_MAX_MINUTES",
        modes=SERVING,
    )
    live_idle_seconds: float = setting(
        60.0,
        "A live stream that sends no audio for this many seconds (once its text is out) ends "
        "with an error, freeing its slot (/ws/live, /v1/realtime); 0 = never",
        env="LIVE_IDLE_SECONDS",
        modes=SERVING,
    )
    watch_poll_seconds: float = setting(
        2.0,
        "How often a watched folder (watch, the window's watched folder) is looked at, in seconds",
        env="WATCH_POLL_SECONDS",
        modes=("gui", "watch"),
    )
    watch_settle_seconds: float = setting(
        3.0,
        "A new file in a watched folder is queued once its size and modification time have "
        "not changed for this many seconds (so a copy still being written is left alone)",
        env="WATCH_SETTLE_SECONDS",
        modes=("gui", "watch"),
    )
    log_level: str = setting(
        "info",
        "Logging level",
        env="LOG_LEVEL",
        choices=("debug", "info", "warning", "error"),
    )

    #: The settings given for this run by flag or environment variable (even with the
    #: default's value), which win over the window's saved ones. Not a setting itself.
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        self.served  # noqa: B018 -- an unknown listener name is refused at once
        self.replacement_table  # noqa: B018 -- and so is a table that cannot be read

    # -- derived values ----------------------------------------------------------------

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    @property
    def model_cache(self) -> str:
        if self.model_dir:
            return self.model_dir
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)

    @property
    def served(self) -> tuple[str, ...]:
        """The listeners to serve: those named in ``listeners`` whose port is not 0."""
        named = [n.strip() for n in self.listeners.split(",") if n.strip()]
        unknown = [n for n in named if n not in LISTENERS]
        if unknown:
            raise ValueError(
                f"--listeners (LISTENERS) names {', '.join(unknown)}: choose among "
                f"{', '.join(LISTENERS)}"
            )
        return tuple(n for n in LISTENERS if n in named and getattr(self, f"{n}_port") != 0)

    @property
    def allowed_host_list(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.allowed_hosts.split(",") if h.strip())

    @property
    def callback_host_list(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in self.callback_hosts.split(",") if h.strip())

    @property
    def replacement_table(self) -> ReplacementTable:  # in here `replacements` is the field
        return replacements.parse(self.replacements)

    @property
    def cors_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def public(self) -> dict[str, Any]:
        """Every setting with secrets masked, for ``/config`` and ``python -m app config``."""
        out = {}
        for f in fields():
            value = getattr(self, f.name)
            if f.metadata["secret"]:
                value = "***" if value else ""
            elif isinstance(value, str):
                value = redact(value)  # a password inside a URL (REDIS_URL)
            out[f.name] = value
        return out


def fields() -> tuple[dataclasses.Field, ...]:
    """The declared settings (every field but ``given``)."""
    return tuple(f for f in dataclasses.fields(Settings) if "env" in f.metadata)


def flag(f: dataclasses.Field) -> str:
    return "--" + f.name.replace("_", "-")


def _convert(f: dataclasses.Field, raw: Any) -> Any:
    assert f.default is not dataclasses.MISSING  # setting() gives every field a default
    kind = type(f.default)
    value = kind(raw)
    choices = f.metadata["choices"]
    if f.metadata["secret"] and value and not value.strip():
        # A blank key would count as set, yet anyone can send a blank token.
        raise ValueError(
            f"{f.metadata['env']} ({flag(f)}) is blank: give a real key, or leave it empty for none"
        )
    if choices and value not in choices:
        raise ValueError(f"{f.metadata['env']} must be one of {', '.join(choices)}, not {value!r}")
    return value


def load(cli: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings: a CLI value beats an environment variable beats the default."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields():
        if cli.get(f.name) is not None:
            values[f.name] = _convert(f, cli[f.name])
        elif f.metadata["env"] in environ:
            values[f.name] = _convert(f, environ[f.metadata["env"]])
    return Settings(**values, given=frozenset(values))


def default_data_dir() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "Stackscribe"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Stackscribe"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "stackscribe"


def markdown_table() -> str:
    """The README's settings table, generated from the declarations above."""
    rows = ["| flag | environment | default | meaning |", "| --- | --- | --- | --- |"]
    for f in fields():
        default = "" if f.metadata["secret"] else f.default
        default_text = f"`{default}`" if default != "" else "(empty)"
        rows.append(
            f"| `{flag(f)}` | `{f.metadata['env']}` | {default_text} | {f.metadata['help']} |"
        )
    return "\n".join(rows)
