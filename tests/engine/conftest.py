from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from engine.memory_stack import MemoryStack


@pytest.fixture(params=["memory"])
def stack_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:
    """Builds stacks of one backend; the Redis backend joins the parameters later."""
    made: list = []

    def make(**kwargs: object) -> object:
        stack = MemoryStack(**kwargs)  # type: ignore[arg-type]
        made.append(stack)
        return stack

    yield make
    for stack in made:
        stack.close()


@pytest.fixture
def stack(stack_factory: Callable[..., object]) -> object:
    return stack_factory()
