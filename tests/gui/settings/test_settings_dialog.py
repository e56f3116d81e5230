"""The settings dialog never shows a password, and keeps it unless it is edited."""

from __future__ import annotations

import dataclasses

from app.settings import Settings
from gui.settings.preferences import Preferences


def test_the_redis_password_is_not_shown(qtbot) -> None:
    from gui.settings.dialog import SettingsDialog

    secret = "redis://user:hunter2@redis.example:6379/0"
    dialog = SettingsDialog(Settings(redis_url=secret), Preferences())
    qtbot.add_widget(dialog)
    assert "hunter2" not in dialog.redis_url.text()
    assert dialog.redis_url.text() == "redis://user:***@redis.example:6379/0"
    assert dialog.settings().redis_url == secret  # untouched: the real URL is kept
    dialog.redis_url.setText("redis://other:6379/1")
    assert dialog.settings().redis_url == "redis://other:6379/1"
    assert dataclasses.replace(dialog.base).redis_url == secret
