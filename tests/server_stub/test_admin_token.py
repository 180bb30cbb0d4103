"""The administrator token has entropy, not just length (issue 23, point 7).

A token from ``ZSC_ADMIN_TOKEN`` with fewer than 128 bits of estimated entropy stops the server and
every command at start, saying what is wrong with it and how to make one (``admin-token --new``);
the tokens the platform makes itself always pass.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core.admin_token import (
    FILE_NAME,
    MIN_BITS,
    admin_token,
    estimated_bits,
    new_token,
)
from server_stub.core.config import Settings
from tests.utils.launcher import PROJECT_ROOT

GUESSABLE = [
    pytest.param("a" * 32, "重复", id="32 × a"),
    pytest.param("a" * 64, "重复", id="64 × a"),
    pytest.param(("password" + "1234567890" * 4)[:40], "常用密码", id="password1234… padded to 40"),
    pytest.param("Password1234Password1234Password1234!!", "重复", id="Password1234 three times"),
    pytest.param("abc" * 14, "重复", id="abcabcabc…"),
    pytest.param("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", "连续", id="the alphabet"),
    pytest.param("zxcvbnm,./asdfghjkl;'qwertyuiop[]1234567890-=", None, id="keyboard rows"),
    pytest.param("1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", None, id="keyboard columns"),
    pytest.param("zhangshangcha-admin-token-2026-secret", None, id="words and a year"),
    pytest.param(secrets.token_hex(16), "只有 32 个字符", id="32 random hex digits (128 bits, scored ~100)"),
]


@pytest.mark.parametrize(("token", "named"), GUESSABLE)
def test_a_guessable_token_is_refused_saying_why_and_what_to_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: str, named: str | None) -> None:
    assert len(token) >= 32, "long enough for the old rule: each of these was accepted"
    assert estimated_bits(token) < MIN_BITS
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", token)
    with pytest.raises(ValueError, match="^ZSC_ADMIN_TOKEN 太容易猜到") as refused:
        Settings.from_env(tmp_path)
    message = str(refused.value)
    assert "admin-token --new" in message and f"至少需要 {MIN_BITS} 比特" in message
    assert named is None or named in message, message
    for command in (["serve"], ["admin-token"], ["plan", "list"]):
        result = CliRunner().invoke(cli, [*command, "--data", str(tmp_path)])
        assert result.exit_code == 1 and "太容易猜到" in result.output, command
        assert "Traceback" not in result.output
    assert not (tmp_path / "zsc.db").exists(), "refused before anything was created"


@pytest.mark.parametrize("token", [secrets.token_urlsafe(32), secrets.token_urlsafe(48),
                                   secrets.token_hex(32), secrets.token_urlsafe(200)],
                         ids=["token_urlsafe(32)", "token_urlsafe(48)", "64 hex digits", "270 characters"])
def test_a_random_token_is_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: str) -> None:
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", token)
    configured = Settings.from_env(tmp_path).admin_token_value
    assert configured == token == admin_token(tmp_path, configured)
    assert not (tmp_path / FILE_NAME).exists(), "no file is made when the variable sets the token"


def test_the_tokens_the_platform_makes_always_pass() -> None:
    made = {new_token() for _ in range(300)}
    assert len(made) == 300
    assert min(estimated_bits(t) for t in made) >= MIN_BITS
    assert all(len(t) == 43 and t.replace("-", "").replace("_", "").isalnum() for t in made)


def test_the_data_directorys_token_is_made_strong(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ZSC_ADMIN_TOKEN", raising=False)
    token = admin_token(tmp_path)
    assert estimated_bits(token) >= MIN_BITS and (tmp_path / FILE_NAME).read_text() == token
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", token)  # and it passes as ZSC_ADMIN_TOKEN too
    assert Settings.from_env(tmp_path).admin_token_value == token


def test_admin_token_new_rotates_the_stored_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ZSC_ADMIN_TOKEN", raising=False)
    old = admin_token(tmp_path)
    result = CliRunner().invoke(cli, ["admin-token", "--new", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert new != old and estimated_bits(new) >= MIN_BITS
    assert "重启" in result.stderr and "ZSC_ADMIN_TOKEN" not in result.stderr
    path = tmp_path / FILE_NAME
    assert path.read_text() == new and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME], "no part file is left"
    assert admin_token(tmp_path) == new
    again = CliRunner().invoke(cli, ["admin-token", "--data", str(tmp_path)])
    assert again.exit_code == 0 and again.stdout.strip() == new


def test_admin_token_new_works_while_a_refused_token_is_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What the refusal says to run must run: it makes the token and says the variable still wins."""
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", "a" * 32)
    result = CliRunner().invoke(cli, ["admin-token", "--new", "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert estimated_bits(new) >= MIN_BITS and (tmp_path / FILE_NAME).read_text() == new
    assert "已设置 ZSC_ADMIN_TOKEN" in result.stderr
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", new)
    assert admin_token(tmp_path) == new


def test_a_guessable_token_stops_a_real_server_process(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "server_stub", "serve", "--data", str(tmp_path), "--port", "1"],
        cwd=PROJECT_ROOT, env={**os.environ, "ZSC_ADMIN_TOKEN": "password" * 5}, capture_output=True,
        text=True, timeout=60, check=False)
    assert started.returncode == 1 and "ZSC_ADMIN_TOKEN 太容易猜到" in started.stderr
    assert "admin-token --new" in started.stderr
    assert not (tmp_path / "zsc.db").exists(), "refused before anything was created"
