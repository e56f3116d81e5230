"""Receive a multipart upload straight to disk, with a size limit, never whole in memory.

The client's filename is kept only as a label; the file on disk gets a random name in the
uploads folder (with the label's extension when it is a plain one, as a hint for FFmpeg).

Every byte of the body counts against the upload limit, not only the file's: ordinary form
fields are held in memory, so they are few (:data:`MAX_PARTS`) and small (:data:`FIELD_LIMIT`),
and past any limit the rest of the body is drained unread and answered 413.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.requests import Request

from engine import BadInput, StackscribeError, TooLarge, Unavailable
from server.context import context
from server.http.params import Params

T = TypeVar("T")
log = logging.getLogger(__name__)

FIELD_LIMIT = 64 * 1024  # bytes of one ordinary form field
MAX_PARTS = 64  # parts of one body, the file included
_HEADER_LIMIT = 16 * 1024  # bytes of one part's headers
_OVERHEAD = 1024 * 1024  # bytes of a body beyond the limit: part headers and ordinary fields
_DRAIN_LIMIT = 64 * 1024 * 1024  # bytes read past the size limit before giving up
_EXTENSION = re.compile(r"^\.[A-Za-z0-9]{1,8}$")
# Control characters, and the bidirectional controls that make a name read other than it is
# (U+202E turns "evil\u202egpj.exe" into "evilexe.jpg" on screen).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


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
    """python-multipart callbacks: the file part goes to disk, other parts to memory.

    Past a limit (or when the disk refuses the file) ``refusal`` is set and nothing more is
    kept; the caller stops feeding the parser and answers with it.
    """

    def __init__(self, dest: Path, max_bytes: int, file_field: str) -> None:
        self.dest = dest
        self.max_bytes = max_bytes
        self.file_field = file_field
        self.upload = Upload()
        self.refusal: StackscribeError | None = None
        self._parts = 0
        self._header_bytes = 0
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

    def feed(self, parser: MultipartParser, chunk: bytes, received: int) -> bool:
        """Parse ``chunk`` (``received`` bytes of body so far); False once a refused body
        has been drained long enough."""
        if self.refusal is None and received > self.max_bytes + _OVERHEAD:
            self.refuse(_too_large(self.max_bytes))
        if self.refusal is None:
            parser.write(chunk)
            return True
        return received <= self.max_bytes + _OVERHEAD + _DRAIN_LIMIT

    def refuse(self, error: StackscribeError) -> None:
        if self.refusal is None:
            self.refusal = error
            self.close()

    def _add(self, attr: str, data: bytes) -> None:
        self._header_bytes += len(data)
        if self._header_bytes > _HEADER_LIMIT:
            self.refuse(TooLarge(f"A part's headers are larger than {_HEADER_LIMIT // 1024} KB"))
        elif self.refusal is None:
            setattr(self, attr, getattr(self, attr) + data)

    def _part_begin(self) -> None:
        self._headers, self._buffer, self._is_file = {}, bytearray(), False
        self._header_bytes, self._parts = 0, self._parts + 1
        if self._parts > MAX_PARTS:
            self.refuse(TooLarge(f"The form has more than {MAX_PARTS} parts"))

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        if self.refusal is not None:
            return
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if self._name == self.file_field and self.upload.path is None:
            self._is_file = True
            self.upload.filename = label(filename.decode("utf-8", "replace") if filename else "")
            suffix = os.path.splitext(self.upload.filename)[1]
            name = uuid.uuid4().hex + (suffix.lower() if _EXTENSION.match(suffix) else "")
            self.upload.path = self.dest / name
            try:
                self._out = open(self.upload.path, "wb")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                self.refuse(_not_stored(exc))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.refusal is not None:
            return
        if self._is_file:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                self.refuse(_too_large(self.max_bytes))
            elif self._out is not None:
                try:
                    self._out.write(data[start:end])
                except OSError as exc:
                    self.refuse(_not_stored(exc))
        elif len(self._buffer) + end - start > FIELD_LIMIT:
            self.refuse(TooLarge(f"The form field {self._name!r} is larger than 64 KB"))
        else:
            self._buffer += data[start:end]

    def _part_end(self) -> None:
        if self.refusal is not None:
            return
        if self._is_file:
            self.close()
        elif self._name:
            value = bytes(self._buffer).decode("utf-8", "replace")
            self.upload.fields.setdefault(self._name, []).append(value)

    def close(self) -> None:
        """Close the file; one the disk could not hold is refused (its last write fails here)."""
        out, self._out = self._out, None
        if out is None:
            return
        try:
            out.close()
        except OSError as exc:
            self.refuse(_not_stored(exc))


def _too_large(max_bytes: int) -> TooLarge:
    limit_mb = max_bytes / 1024 / 1024
    return TooLarge(
        f"The upload is larger than the upload limit of {limit_mb:.0f} MB (MAX_UPLOAD_MB)"
    )


def _not_stored(exc: OSError) -> StackscribeError:
    """A disk that cannot hold the upload is the server's trouble, not the client's: 507."""
    log.error("An upload could not be stored: %s", exc)
    return StackscribeError(
        f"The server cannot store the upload now ({exc.strerror or exc}); try again later",
        status=507,
    )


async def receive(
    request: Request,
    dest: Path,
    max_bytes: int,
    file_field: str = "file",
    stopping: Callable[[], bool] | None = None,
) -> Upload:
    """Stream the request's multipart body; the file field is written under ``dest``.

    Raises 400 for a body that is not multipart, 413 past ``max_bytes`` (every byte of the
    body counts), 507 when the disk cannot hold it, 503 when the server stops meanwhile.
    """
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadInput(
            f"Send the audio as multipart/form-data with the file in the field '{file_field}'"
        )
    receiver = _Receiver(dest, max_bytes, file_field)
    try:
        parser = await _read(request, receiver, boundary, stopping)
    except BaseException:  # also cancelled: nothing half-received is left on disk
        receiver.close()
        receiver.upload.discard()
        raise
    receiver.close()
    if receiver.refusal is not None:
        receiver.upload.discard()
        raise receiver.refusal
    if parser.state != MultipartState.END:
        # Without its closing boundary the file may be cut short: never take it as whole.
        receiver.upload.discard()
        raise BadInput(
            "The upload is incomplete: the multipart body ended before its closing boundary "
            "(the connection may have been cut); send it again"
        )
    return receiver.upload


async def _read(
    request: Request,
    receiver: _Receiver,
    boundary: bytes,
    stopping: Callable[[], bool] | None,
) -> MultipartParser:
    """Feed the body to the parser until it ends, or a refusal has drained long enough."""
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if stopping is not None and stopping():
                raise _shutting_down()
            if not receiver.feed(parser, chunk, received):
                break  # enough of a refused body read to be answered; the connection closes
        if receiver.refusal is None:
            parser.finalize()
    except asyncio.CancelledError:
        # uvicorn cancels requests still running a few seconds after SIGTERM: an upload cut
        # short is answered 503 (the caller discards the file), not a bare 500.
        if stopping is not None and stopping():
            raise _shutting_down() from None
        raise
    except StackscribeError:
        raise
    except Exception as exc:  # the multipart parser raises its own errors for a broken body
        raise BadInput(f"The upload could not be read as multipart form data: {exc}") from exc
    return parser


def _shutting_down() -> Unavailable:
    return Unavailable("The server is shutting down: send the file again once it is back")


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
    upload = await receive(
        request,
        ctx.config.uploads_dir,
        ctx.config.max_upload_bytes,
        stopping=lambda: ctx.stopping,
    )
    with discarded_on_error(upload):
        wanted = read(Params(upload.fields, request.query_params))
        require_file(upload)
    return upload, wanted
