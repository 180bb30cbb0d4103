"""bench/task_history.py runs end to end on a few tasks and prints both answers and the bound."""

from __future__ import annotations

from click.testing import CliRunner

from bench.task_history import main


def test_a_few_tasks_with_and_without_history() -> None:
    result = CliRunner().invoke(main, ["--tasks", "3", "--earlier", "2", "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert "without history" in result.output and "with history" in result.output
    assert "history adds" in result.output and "bound: 10 entries per task" in result.output
