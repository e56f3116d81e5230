"""Engine and server parts configured as the app configures them from default settings.

For tests and benches that build a part directly (a Redis stack, a transcriber, a live hub,
an engine's config): they name only what they change; every other value is the default
declared in app/settings.py, through the app's own builders (app/configs.py), never a
second literal.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from app import configs
from app.settings import Settings
from engine.live.hub import LiveLimits
from engine.pipeline.transcriber import DecodeSettings, WhisperTranscriber
from engine.process.worker import EngineConfig
from engine.stack.redis import RedisOptions, RedisStack


def redis_options(url: str, prefix: str, **changes: Any) -> RedisOptions:
    options = configs.redis_options(Settings(redis_url=url, redis_prefix=prefix))
    return dataclasses.replace(options, **changes)


def redis_stack(url: str, prefix: str, **changes: Any) -> RedisStack:
    return redis_options(url, prefix, **changes).open()


def decode_settings(**changes: Any) -> DecodeSettings:
    return dataclasses.replace(configs.decode_settings(Settings()), **changes)


def live_limits(**changes: Any) -> LiveLimits:
    return dataclasses.replace(configs.live_limits(Settings()), **changes)


def engine_config(engine_id: str, model_path: str, **changes: Any) -> EngineConfig:
    config = configs.engine_config(Settings(), engine_id, model_path)
    return dataclasses.replace(config, **changes)


def transcriber(model_path: str, **changes: Any) -> WhisperTranscriber:
    """A :class:`WhisperTranscriber` as an engine with default settings loads it."""
    settings = Settings()
    values: dict[str, Any] = {
        "device": settings.device,
        "compute_type": settings.compute_type,
        "cpu_threads": settings.cpu_threads,
        "settings": decode_settings(),
        **changes,
    }
    return WhisperTranscriber(model_path, **values)
