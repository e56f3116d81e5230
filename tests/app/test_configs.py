"""Settings become the lower layers' arguments in one place, in the units those layers use."""

from __future__ import annotations

from pathlib import Path

from app import configs
from app.settings import Settings
from engine import TranscribeOptions


def test_sizes_and_times_reach_the_server_and_live_streams_in_their_units(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=str(tmp_path),
        max_upload_mb=3,
        live_max_frame_kb=2,
        live_max_minutes=5,
        listeners="queue,direct",
        cors_origins="https://a.example, https://b.example",
    )
    server = configs.server_config(settings)
    assert server.max_upload_bytes == 3 * 1024 * 1024
    assert server.listeners == ("queue", "direct")
    assert server.cors_origins == ("https://a.example", "https://b.example")
    assert server.uploads_dir == tmp_path / "uploads"
    limits = configs.live_limits(settings)
    assert (limits.max_frame_bytes, limits.max_seconds) == (2048, 300)


def test_retries_are_attempts_after_the_first_and_never_negative() -> None:
    assert configs.server_config(Settings(max_attempts=3)).max_retries == 2
    assert configs.server_config(Settings(max_attempts=1)).max_retries == 0
    assert configs.server_config(Settings(max_attempts=0)).max_retries == 0


def test_secrets_reach_the_server_but_its_shown_settings_mask_them() -> None:
    settings = Settings(api_key="k3y", redis_url="redis://u:pw@cache:6379/0")
    server = configs.server_config(settings)
    assert server.api_key == "k3y"
    assert server.public_settings["api_key"] == "***"
    assert server.public_settings["redis_url"] == "redis://u:***@cache:6379/0"


def test_the_host_keeps_its_journal_uploads_and_each_engine_s_work_under_data_dir(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=str(tmp_path))
    host = configs.host_config(settings)
    assert host.journal_path == tmp_path / "tasks.sqlite3"
    assert host.uploads_dir == tmp_path / "uploads"
    engine = configs.engine_config(settings, "e1", "/models/tiny")
    assert engine.work_dir == str(tmp_path / "work" / "e1")
    assert (engine.engine_id, engine.model_path) == ("e1", "/models/tiny")


def test_the_watcher_s_pace_follows_its_settings(tmp_path: Path) -> None:
    settings = Settings(watch_poll_seconds=0.25, watch_settle_seconds=4.0)
    options = TranscribeOptions(language="en")
    watch = configs.watch_config(settings, tmp_path, None, ("txt", "srt"), options, None)
    assert (watch.poll_seconds, watch.settle_seconds) == (0.25, 4.0)
    assert (watch.folder, watch.formats, watch.options) == (tmp_path, ("txt", "srt"), options)


def test_the_batched_guard_switch_and_uvicorn_s_log_level_follow_their_settings() -> None:
    assert configs.decode_settings(Settings(batched_fallback="on")).fallback is True
    assert configs.decode_settings(Settings(batched_fallback="off")).fallback is False
    assert configs.uvicorn_log_level(Settings(log_level="debug")) == "debug"
    assert configs.uvicorn_log_level(Settings(log_level="info")) == "warning"


def test_only_a_redis_url_named_on_purpose_counts_as_chosen() -> None:
    assert configs.redis_is_default(Settings())
    assert not configs.redis_is_default(Settings(redis_url="redis://elsewhere:6379/0"))
    options = configs.redis_options(Settings(redis_url="redis://elsewhere:6379/0"))
    assert options.url == "redis://elsewhere:6379/0"
