"""Bounds on what a client may send before its request reaches a route.

uvicorn's httptools protocol accepts a request head of any size: one 200 MB header, or
10,000 headers, was read into memory while every listener stalled. This protocol refuses a
request line longer than :data:`MAX_REQUEST_LINE` (414) and a head larger than
:data:`MAX_HEAD_BYTES` or with more than :data:`MAX_HEADERS` headers (431), as soon as the
limit is passed, and closes the connection.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

log = logging.getLogger(__name__)

MAX_REQUEST_LINE = 8 * 1024  # bytes of the request target (path and query)
MAX_HEAD_BYTES = 64 * 1024  # bytes of the request line and every header together
MAX_HEADERS = 100
_LINGER = 2.0  # seconds a refused connection is drained before it closes


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with limits on the request head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._header_count = 0
        self._heads_done = 0  # request heads completed on this connection
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._unset_keepalive_if_required()
        head_before, heads_before = self._in_head, self._heads_done
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _Refused):
                self._refuse(exc.__context__)
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
            return
        # All of this data was part of one request head (not a whole request, body and all).
        if head_before and self._in_head and self._heads_done == heads_before:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(_head_too_large())

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes, self._header_count = True, 0, 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_REQUEST_LINE:
            raise _Refused(414, f"The request line is longer than {MAX_REQUEST_LINE // 1024} KB")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            raise _Refused(431, f"More than {MAX_HEADERS} request headers")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads_done += 1
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def _refuse(self, refusal: _Refused) -> None:
        self._refused = True
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.warning("Refused a request from %s: %s", client, refusal.detail)
        body = json.dumps({"detail": refusal.detail}).encode()
        head = [STATUS_LINE[refusal.status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
        self.transport.write(b"".join(head))
        # A lingering close: what the client still sends is read and dropped for a moment,
        # so the answer is not lost to a reset from unread data.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(_LINGER, self.transport.close)


def _head_too_large() -> _Refused:
    return _Refused(431, f"The request headers are larger than {MAX_HEAD_BYTES // 1024} KB")
