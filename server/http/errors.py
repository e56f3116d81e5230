"""One shape for every error: ``{"detail": "..."}`` with the status the error carries."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import StackscribeError, Unavailable

log = logging.getLogger(__name__)


def error_body(request: Request, status: int, detail: str) -> dict:
    body: dict = {"detail": detail}
    if request.url.path.startswith("/v1/"):
        # OpenAI clients read error.message; existing clients read detail.
        kind = "invalid_request_error" if status < 500 else "server_error"
        body["error"] = {"message": detail, "type": kind, "param": None, "code": status}
    return body


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", ""))
    return "Invalid parameter: " + "; ".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(StackscribeError)
    async def stackscribe_error(request: Request, exc: StackscribeError) -> JSONResponse:
        headers = {}
        if isinstance(exc, Unavailable):
            headers["Retry-After"] = str(exc.retry_after)
        return JSONResponse(error_body(request, exc.status, str(exc)), exc.status, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(request, 422, _validation_message(exc)), 422)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback after this answer ("Exception in ASGI application");
        # the client gets the documented shape instead of a plain-text 500.
        detail = f"Internal error ({type(exc).__name__}); the server's log has the details"
        return JSONResponse(error_body(request, 500, detail), 500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return JSONResponse(
            error_body(request, exc.status_code, detail),
            exc.status_code,
            getattr(exc, "headers", None),
        )
