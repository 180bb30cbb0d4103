"""bench/crowd.py runs end to end on a tiny crowd and reports no errors."""

from __future__ import annotations

from click.testing import CliRunner

from bench.crowd import main


def test_a_tiny_crowd_syncs_without_errors() -> None:
    result = CliRunner().invoke(main, ["--phones", "3", "--records", "2", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "6 records with a photo each" in result.output
    assert "errors 0" in result.output and "failed 0" in result.output
