"""Passwords in URLs are never shown: ``/config``, ``/health``, logs and the window redact them."""

from __future__ import annotations

import pytest

from engine.redact import redact


@pytest.mark.parametrize(
    ("shown", "seen"),
    [
        ("redis://user:s3cret@host:6379/0", "redis://user:***@host:6379/0"),
        ("redis://:s3cret@host", "redis://:***@host"),
        ("rediss://admin:p%40ss@cache.local", "rediss://admin:***@cache.local"),
        (
            "https://u:pw@a.example/x and redis://v:pw2@b/1",
            "https://u:***@a.example/x and redis://v:***@b/1",
        ),
        (
            "Error 111 connecting to redis://u:pw@host:6379.",
            "Error 111 connecting to redis://u:***@host:6379.",
        ),
    ],
)
def test_the_password_of_every_url_becomes_stars(shown: str, seen: str) -> None:
    assert redact(shown) == seen


@pytest.mark.parametrize(
    "text",
    [
        "redis://localhost:6379/0",  # a port is not a password
        "redis://user@host",  # a user alone is not secret
        "redis://user:@host",  # nothing to hide
        "see http://example.com:8080/a:b@c",  # an @ in the path is not userinfo
        "plain text, user:pw@host without a scheme",
        "",
    ],
)
def test_text_without_a_url_password_is_left_as_it_is(text: str) -> None:
    assert redact(text) == text
