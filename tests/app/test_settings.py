"""Settings are declared once; the README's table is generated from that declaration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app import settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_table_is_the_generated_one() -> None:
    text = README.read_text(encoding="utf-8")
    assert settings.markdown_table() in text, (
        "README.md's settings table is out of date: paste `python -m app config --markdown`"
    )


def test_every_setting_is_documented_and_has_an_environment_variable() -> None:
    envs = set()
    for f in settings.fields():
        assert f.metadata["help"] and f.metadata["env"].isupper()
        envs.add(f.metadata["env"])
    assert len(envs) == len(settings.fields())
    # The contract's names (API.md) are kept.
    assert {"REDIS_URL", "MAX_QUEUE_SIZE", "WORKER_TIMEOUT"} <= envs


def test_load_converts_and_prefers_the_flag() -> None:
    loaded = settings.load(
        {"queue_port": 9000, "model": None},
        {"QUEUE_PORT": "7000", "MAX_QUEUE_SIZE": "5", "WHISPER_MODEL": "base"},
    )
    assert loaded.queue_port == 9000 and loaded.max_queue_size == 5 and loaded.model == "base"
    assert dataclasses.is_dataclass(loaded)


def test_passwords_in_urls_are_masked_in_config_and_logs() -> None:
    import io
    import logging

    from app import logs

    secret = "redis://user:hunter2@redis.example:6379/0"
    public = settings.Settings(redis_url=secret).public()
    assert public["redis_url"] == "redis://user:***@redis.example:6379/0"
    stream = io.StringIO()
    logs.configure("info", stream)
    try:
        logging.getLogger("tests.settings").warning("Redis at %s is down", secret)
    finally:
        logs.configure("warning")
    assert "hunter2" not in stream.getvalue() and "user:***@redis.example" in stream.getvalue()


def test_blank_api_keys_are_refused() -> None:
    import pytest

    from app.runtime import check_exposure

    for blank in (" ", "\t ", "\n"):
        with pytest.raises(ValueError, match=r"API_KEY .* is blank"):
            settings.load({"api_key": blank}, environ={})
        with pytest.raises(ValueError, match=r"API_KEY .* is blank"):
            settings.load({}, environ={"API_KEY": blank})
        assert "blank" in (check_exposure(settings.Settings(api_key=blank, host="0.0.0.0")) or "")
    assert settings.load({"api_key": "s3cret"}, environ={}).api_key == "s3cret"
    assert settings.load({}, environ={"API_KEY": ""}).api_key == ""  # empty: no key
