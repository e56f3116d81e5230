"""Receive a multipart upload straight to disk, with a size limit, never whole in memory.

The client's filename is kept only as a label; the file on disk gets a random name in the
uploads folder (with the label's extension when it is a plain one, as a hint for FFmpeg).
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.requests import Request

from engine.errors import BadInput, TooLarge
from server.context import context
from server.params import Params

T = TypeVar("T")

_FIELD_LIMIT = 64 * 1024  # bytes of one ordinary form field
_DRAIN_LIMIT = 64 * 1024 * 1024  # bytes read past the size limit before giving up
_EXTENSION = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def label(raw: str | None) -> str:
    """A display name from a client-supplied filename: no path, no control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().strip(".") or "upload"
    return name[:200]


@dataclass
class Upload:
    """What a request carried: the file on disk (or None) and every other form field."""

    path: Path | None = None
    filename: str = ""
    size: int = 0
    fields: dict[str, list[str]] = field(default_factory=dict)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class _Receiver:
    """python-multipart callbacks: the file part goes to disk, other parts to memory."""

    def __init__(self, dest: Path, max_bytes: int, file_field: str) -> None:
        self.dest = dest
        self.max_bytes = max_bytes
        self.file_field = file_field
        self.upload = Upload()
        self.too_large = False
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._out: IO[bytes] | None = None
        self._buffer = bytearray()
        self._is_file = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._add("_header_field", d[s:e]),
            "on_header_value": lambda d, s, e: self._add("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _add(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)

    def _part_begin(self) -> None:
        self._headers, self._buffer, self._is_file = {}, bytearray(), False

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if self._name == self.file_field and self.upload.path is None:
            self._is_file = True
            self.upload.filename = label(filename.decode("utf-8", "replace") if filename else "")
            suffix = os.path.splitext(self.upload.filename)[1]
            name = uuid.uuid4().hex + (suffix.lower() if _EXTENSION.match(suffix) else "")
            self.upload.path = self.dest / name
            self._out = open(self.upload.path, "wb")  # noqa: SIM115 - closed in _part_end/close

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                self.too_large = True
            elif self._out is not None:
                self._out.write(data[start:end])
        elif len(self._buffer) < _FIELD_LIMIT:
            self._buffer += data[start:end]

    def _part_end(self) -> None:
        if self._is_file:
            self.close()
        elif self._name:
            value = bytes(self._buffer).decode("utf-8", "replace")
            self.upload.fields.setdefault(self._name, []).append(value)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def receive(request: Request, dest: Path, max_bytes: int, file_field: str = "file") -> Upload:
    """Stream the request's multipart body; the file field is written under ``dest``.

    Raises 400 for a body that is not multipart, 413 past ``max_bytes``.
    """
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadInput(
            f"Send the audio as multipart/form-data with the file in the field '{file_field}'"
        )
    receiver = _Receiver(dest, max_bytes, file_field)
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    limit_mb = max_bytes / 1024 / 1024
    try:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            parser.write(chunk)
            if receiver.too_large and received > max_bytes + _DRAIN_LIMIT:
                break
        if not receiver.too_large:
            parser.finalize()
    except TooLarge:
        raise
    except Exception as exc:  # the multipart parser raises its own errors for a broken body
        receiver.close()
        receiver.upload.discard()
        raise BadInput(f"The upload could not be read as multipart form data: {exc}") from exc
    finally:
        receiver.close()
    if receiver.too_large:
        receiver.upload.discard()
        raise TooLarge(
            f"The file is larger than the upload limit of {limit_mb:.0f} MB (MAX_UPLOAD_MB)"
        )
    if parser.state != MultipartState.END:
        # Without its closing boundary the file may be cut short: never take it as whole.
        receiver.upload.discard()
        raise BadInput(
            "The upload is incomplete: the multipart body ended before its closing boundary "
            "(the connection may have been cut); send it again"
        )
    return receiver.upload


def require_file(upload: Upload) -> Path:
    """The uploaded file's path; 400 when it is missing or empty."""
    if upload.path is None:
        raise BadInput("No file was uploaded: send the audio in the multipart field 'file'")
    if upload.size == 0:
        upload.discard()
        raise BadInput("The uploaded file is empty")
    return upload.path


@contextlib.contextmanager
def discarded_on_error(upload: Upload) -> Iterator[Upload]:
    """Remove the uploaded file when the block raises: nothing refused is left on disk."""
    try:
        yield upload
    except Exception:
        upload.discard()
        raise


async def accept(request: Request, read: Callable[[Params], T]) -> tuple[Upload, T]:
    """Receive the file and ``read`` its parameters; the file is removed again on any error.

    The engine is checked before a byte is received; a parameter error is reported before a
    missing or empty file.
    """
    ctx = context(request)
    ctx.service.check_engine()
    upload = await receive(request, ctx.config.uploads_dir, ctx.config.max_upload_bytes)
    with discarded_on_error(upload):
        wanted = read(Params(upload.fields, request.query_params))
        require_file(upload)
    return upload, wanted
