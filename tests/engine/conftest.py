from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from engine.stack.memory import MemoryStack


@pytest.fixture(params=["memory", "redis"])
def stack_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:
    """Builds stacks of one backend: every stack test runs against both."""
    made: list = []

    def make(**kwargs: object) -> object:
        if request.param == "memory":
            stack = MemoryStack(**kwargs)  # type: ignore[arg-type]
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
def stack(stack_factory: Callable[..., object]) -> object:
    return stack_factory()
