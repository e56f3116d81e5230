from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engine.stack.memory import MemoryStack
from engine.stack.protocol import TaskStack


@pytest.fixture(params=["memory", "redis"])
def stack_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., TaskStack]]:
    """Builds stacks of one backend: every stack test runs against both."""
    made: list[TaskStack] = []

    def make(**kwargs: Any) -> TaskStack:
        stack: TaskStack
        if request.param == "memory":
            stack = MemoryStack(**kwargs)
        else:
            from harness import defaults

            server = request.getfixturevalue("redis_server")
            prefix = request.getfixturevalue("redis_prefix")
            stack = defaults.redis_stack(server.url, prefix, **kwargs)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        stack.close()


@pytest.fixture
def stack(stack_factory: Callable[..., TaskStack]) -> TaskStack:
    return stack_factory()
