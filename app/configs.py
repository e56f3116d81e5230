"""What each lower layer is given, built from the :class:`~app.settings.Settings`.

The engine and the server take plain values with no defaults of their own; this is the one
place a setting becomes one of their arguments, so a default lives only in app/settings.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings
from app.version import version
from engine import SubtitleLayout, TranscribeOptions, WatchConfig
from engine.live.hub import LiveLimits
from engine.pipeline.transcriber import DecodeSettings
from engine.process.worker import EngineConfig
from engine.stack.redis import RedisOptions
from server.config import ServerConfig


@dataclass(frozen=True)
class HostConfig:
    """What a host's :class:`~app.runtime.Runtime` is given: its local stack and the
    supervisor that keeps the engine."""

    model: str
    model_cache: str
    journal_path: Path  # the local stack's journal, when the host keeps one
    uploads_dir: Path
    max_queue_size: int
    worker_timeout: float
    max_attempts: int


def host_config(settings: Settings) -> HostConfig:
    return HostConfig(
        model=settings.model,
        model_cache=settings.model_cache,
        journal_path=Path(settings.data_path) / "tasks.sqlite3",
        uploads_dir=uploads_dir(settings),
        max_queue_size=settings.max_queue_size,
        worker_timeout=settings.worker_timeout,
        max_attempts=settings.max_attempts,
    )


def redis_is_default(settings: Settings) -> bool:
    """Whether REDIS_URL is the default one (not named on purpose)."""
    return settings.redis_url == Settings().redis_url


def redis_options(settings: Settings) -> RedisOptions:
    return RedisOptions(
        url=settings.redis_url,
        prefix=settings.redis_prefix,
        max_size=settings.max_queue_size,
        result_ttl=settings.result_ttl,
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
    )


def decode_settings(settings: Settings) -> DecodeSettings:
    return DecodeSettings(
        decode_mode=settings.decode_mode,
        batch_size=settings.batch_size,
        beam_size=settings.beam_size,
        batched_min_seconds=settings.batched_min_seconds,
        fallback=settings.batched_fallback == "on",
        replacements=settings.replacement_table,
    )


def engine_config(settings: Settings, engine_id: str, model_path: str) -> EngineConfig:
    return EngineConfig(
        engine_id=engine_id,
        model_name=settings.model,
        model_path=model_path,
        device=settings.device,
        compute_type=settings.compute_type,
        cpu_threads=settings.cpu_threads,
        worker_timeout=settings.worker_timeout,
        decode=decode_settings(settings),
        work_dir=str(Path(settings.data_path) / "work" / engine_id),
        lease_seconds=settings.lease_seconds,
    )


def live_limits(settings: Settings) -> LiveLimits:
    return LiveLimits(
        max_streams=settings.live_max_streams,
        max_frame_bytes=settings.live_max_frame_kb * 1024,
        max_seconds=settings.live_max_minutes * 60,
        idle_seconds=settings.live_idle_seconds,
    )


def watch_config(
    settings: Settings,
    folder: Path,
    output_dir: Path | None,
    formats: tuple[str, ...],
    options: TranscribeOptions,
    layout: SubtitleLayout | None,
) -> WatchConfig:
    """``watch``'s folder watcher: what to watch and write as asked, its pace from settings."""
    return WatchConfig(
        folder=folder,
        output_dir=output_dir,
        formats=formats,
        options=options,
        poll_seconds=settings.watch_poll_seconds,
        settle_seconds=settings.watch_settle_seconds,
        layout=layout,
    )


def uploads_dir(settings: Settings) -> Path:
    return Path(settings.data_path) / "uploads"


def uvicorn_log_level(settings: Settings) -> str:
    """uvicorn's own logs: its warnings, or everything at ``--log-level debug``."""
    return "debug" if settings.log_level == "debug" else "warning"


def server_config(settings: Settings) -> ServerConfig:
    return ServerConfig(
        host=settings.host,
        queue_port=settings.queue_port,
        direct_port=settings.direct_port,
        tasks_port=settings.tasks_port,
        listeners=settings.served,
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        api_key=settings.api_key,
        cors_origins=tuple(settings.cors_list),
        allowed_hosts=settings.allowed_host_list,
        uploads_dir=uploads_dir(settings),
        model=settings.model,
        public_settings=settings.public(),
        max_retries=max(settings.max_attempts - 1, 0),
        callback_hosts=settings.callback_host_list,
        callback_secret=settings.callback_secret,
        callback_attempts=settings.callback_attempts,
        version=version(),
    )
