"""Secrets kept out of what people see: the password in a URL becomes ``***``.

Applied to ``/config``, ``/health``, log records, error messages and the GUI, wherever a
URL such as ``redis://user:password@host`` could be shown.
"""

from __future__ import annotations

import re

# scheme://[user]:password@  -- the password runs up to the last @ before the host.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@]*):(?P<secret>[^\s/]*)@")


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _USERINFO.sub(lambda m: f"{m['head']}:***@" if m["secret"] else m[0], text)
