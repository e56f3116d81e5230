"""The stack's counters as the original queue service reported them (``/stats``, queue card).

Shared by the queue listener (``/queue/status``, ``queue_service`` in ``/health``) and the
tasks listener (``/stats``, ``/health``), so both tell the same numbers.
"""

from __future__ import annotations

from typing import Any

from engine import TaskStatus, iso
from server.context import ServerContext
from server.http.responses import uptime


def last_backup(backend: dict[str, Any]) -> str | None:
    """When task state was last made durable (journal write, Redis save), ISO-8601 or None."""
    return iso(backend.get("last_backup"))


def stats_from(ctx: ServerContext, counts: dict[str, int], backend: dict[str, Any]) -> dict:
    """The ``GET /stats`` object from counts and backend health already fetched."""
    return {
        "total_tasks": sum(counts[s.value] for s in TaskStatus),
        "queued_tasks": counts["queued"],
        "processing_tasks": counts["processing"],
        "completed_tasks": counts["completed"],
        "failed_tasks": counts["failed"],
        "cancelled_tasks": counts["cancelled"],
        "uptime_seconds": uptime(ctx.started),
        "last_backup": last_backup(backend),
        "redis_connected": backend["redis_connected"],
        "backend": backend["backend"],
    }


def stats(ctx: ServerContext) -> dict[str, Any]:
    return stats_from(ctx, ctx.service.counts(), ctx.service.backend())


def queue_service(ctx: ServerContext, counts: dict[str, int], backend: dict[str, Any]) -> dict:
    """``queue_service`` of ``/health`` on the queue listener: the tasks listener and its stack.

    ``healthy`` is false while the stack the tasks should be on cannot be reached (Redis
    away: tasks wait in the local fallback stack).
    """
    reachable = backend["backend"] != "redis" or bool(backend["redis_connected"])
    return {
        "url": ctx.config.url("tasks"),
        "healthy": reachable,
        "stats": stats_from(ctx, counts, backend),
    }
