"""Risk detection: the original's LLM feature, which Stackscribe does not provide (501)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from engine import StackscribeError
from server.context import authorize


class NotProvided(StackscribeError):
    status = 501


def refuse() -> None:
    raise NotProvided(
        "Risk detection is not provided by Stackscribe: it transcribes only. Send the "
        "transcript to your own language model for risk analysis."
    )


def router(*paths: str) -> APIRouter:
    """``POST`` on each of ``paths`` answers 501 with a ``detail`` saying why."""
    api = APIRouter(dependencies=[Depends(authorize)])
    for i, path in enumerate(paths):
        api.add_api_route(
            path,
            refuse,
            methods=["POST"],
            status_code=501,
            summary="Not provided (501)",
            include_in_schema=i == 0,
        )
    return api
