"""A period run starts a template's kernel again when it died before answering, as it does when another
process's kernel, started at the same moment, took one of its ports (jupyter_client picks ports by binding
and releasing them: seen as "Address already in use" when two `salesplan run` went side by side). A
failure after the kernel answered, in a cell or otherwise, is never run again."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

from salesplan_widgets.run import KERNEL_NEVER_STARTED, KERNEL_START_TRIES, _starting_again


def attempts(*failures: Exception):
    """An execute() that raises `failures` in turn, then succeeds; and the list of its calls."""
    calls: list[int] = []

    def execute() -> None:
        calls.append(len(calls) + 1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]

    return execute, calls


def test_a_kernel_that_died_before_answering_is_started_again() -> None:
    execute, calls = attempts(RuntimeError(KERNEL_NEVER_STARTED), RuntimeError(KERNEL_NEVER_STARTED))
    _starting_again(execute)
    assert calls == [1, 2, 3]


def test_a_kernel_that_never_starts_fails_after_its_tries() -> None:
    execute, calls = attempts(*[RuntimeError(KERNEL_NEVER_STARTED)] * (KERNEL_START_TRIES + 1))
    with pytest.raises(RuntimeError, match=KERNEL_NEVER_STARTED):
        _starting_again(execute)
    assert len(calls) == KERNEL_START_TRIES


@pytest.mark.parametrize(
    "failure",
    [
        RuntimeError("Kernel didn't respond in 180 seconds"),
        PapermillExecutionError(2, 3, "1/0", "ZeroDivisionError", "division by zero", []),
    ],
)
def test_other_failures_are_not_run_again(failure) -> None:
    execute, calls = attempts(failure)
    with pytest.raises(type(failure)):
        _starting_again(execute)
    assert calls == [1]
