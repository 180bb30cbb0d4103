"""Server settings from the environment: defaults, valid values, and refusals that say why."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.core.config import DEFAULT_DUE_DAYS, DEFAULT_MAX_PHOTO_BYTES, Settings
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS, Thresholds
from server_stub.review.followups import disposal_due
from tests.utils.launcher import PROJECT_ROOT, free_port

VARIABLES = ("ZSC_DATA_DIR", "ZSC_DATABASE_URL", "ZSC_MAX_PHOTO_BYTES", "ZSC_WARNING_THRESHOLDS",
             "ZSC_FOLLOWUP_DUE_DAYS", "ZSC_FREQUENT_VISITS", "ZSC_ADMIN_TOKEN",
             "ZSC_FORWARDED_ALLOW_IPS", "ZSC_PHOTOS", "ZSC_S3_ENDPOINT_URL", "ZSC_S3_ADDRESSING_STYLE")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Settings]:
    """The settings read from these ``ZSC_`` variables alone (any others of the test's own
    environment removed), with the data directory ``tmp_path``."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def read(**variables: str) -> Settings:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return Settings.from_env(tmp_path)

    return read


def test_the_defaults(environment: Callable[..., Settings], tmp_path: Path) -> None:
    settings = environment()
    assert settings.data_dir == tmp_path.resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'zsc.db'}"
    assert settings.embedded_database
    assert settings.max_photo_bytes == DEFAULT_MAX_PHOTO_BYTES == 8 * 1024 * 1024
    assert settings.warning_thresholds == DEFAULT_THRESHOLDS
    assert settings.followup_due_days == DEFAULT_DUE_DAYS == 30
    assert settings.frequent_visits == 2
    assert settings.admin_token is None and settings.forwarded_allow_ips == ""
    empty = environment(ZSC_FOLLOWUP_DUE_DAYS="", ZSC_WARNING_THRESHOLDS="", ZSC_MAX_PHOTO_BYTES="")
    assert empty == settings, "a variable set empty is a variable unset"


def test_warning_thresholds(environment: Callable[..., Settings]) -> None:
    assert environment(ZSC_WARNING_THRESHOLDS=" 40, 25.5 ,5").warning_thresholds == Thresholds(
        Decimal(40), Decimal("25.5"), Decimal(5))


@pytest.mark.parametrize("raw", ["30,20", "30,20,10,5", "三十,20,10", "30;20;10"])
def test_bad_warning_thresholds_are_refused_with_the_form_expected(
        environment: Callable[..., Settings], raw: str) -> None:
    with pytest.raises(ValueError, match=f"^ZSC_WARNING_THRESHOLDS「{raw}」应为三个百分数，如 30,20,10$"):
        environment(ZSC_WARNING_THRESHOLDS=raw)


def test_warning_thresholds_must_fall_from_red_to_yellow(environment: Callable[..., Settings]) -> None:
    with pytest.raises(ValueError, match="ZSC_WARNING_THRESHOLDS「10,20,30」：预警阈值应满足 100 ≥ 红 > 橙 > 黄 > 0"):
        environment(ZSC_WARNING_THRESHOLDS="10,20,30")


def test_max_photo_bytes(environment: Callable[..., Settings]) -> None:
    assert environment(ZSC_MAX_PHOTO_BYTES="65536").max_photo_bytes == 65536
    assert environment(ZSC_MAX_PHOTO_BYTES=str(2**30)).max_photo_bytes == 2**30
    for raw in ("65535", "8MB", "-1", str(2**30 + 1)):
        with pytest.raises(ValueError, match=f"^ZSC_MAX_PHOTO_BYTES「{raw}」应为 65536 到 1073741824 之间的整数字节数"):
            environment(ZSC_MAX_PHOTO_BYTES=raw)


def test_follow_up_due_days(environment: Callable[..., Settings]) -> None:
    assert environment(ZSC_FOLLOWUP_DUE_DAYS=" 45 ").followup_due_days == 45
    assert environment(ZSC_FOLLOWUP_DUE_DAYS="1").followup_due_days == 1
    assert environment(ZSC_FOLLOWUP_DUE_DAYS="3650").followup_due_days == 3650


@pytest.mark.parametrize("raw", ["0", "-5", "3651", "1.5", "三十", "30天"])
def test_bad_due_days_are_refused_with_the_range(environment: Callable[..., Settings], raw: str) -> None:
    with pytest.raises(ValueError, match=f"^ZSC_FOLLOWUP_DUE_DAYS「{raw}」应为 1 到 3650 之间的整数天数，默认 30$"):
        environment(ZSC_FOLLOWUP_DUE_DAYS=raw)


def test_frequent_visits(environment: Callable[..., Settings]) -> None:
    assert environment(ZSC_FREQUENT_VISITS="5").frequent_visits == 5
    for raw in ("0", "101", "两次"):
        with pytest.raises(ValueError, match=f"^ZSC_FREQUENT_VISITS「{raw}」应为 1 到 100 之间的整数次，默认 2$"):
            environment(ZSC_FREQUENT_VISITS=raw)


def test_every_malformed_variable_is_named_on_a_line_of_its_own(environment: Callable[..., Settings]) -> None:
    with pytest.raises(ValueError) as refused:
        environment(ZSC_MAX_PHOTO_BYTES="8MB", ZSC_FOLLOWUP_DUE_DAYS="一个月")
    lines = str(refused.value).splitlines()
    assert len(lines) == 2 and lines[0].startswith("ZSC_MAX_PHOTO_BYTES「8MB」")
    assert lines[1].startswith("ZSC_FOLLOWUP_DUE_DAYS「一个月」"), "no pydantic wording around them"


def test_settings_read_the_environment(environment: Callable[..., Settings], tmp_path: Path) -> None:
    settings = environment(ZSC_FOLLOWUP_DUE_DAYS="60", ZSC_WARNING_THRESHOLDS="50,30,10",
                           ZSC_MAX_PHOTO_BYTES="2000000", ZSC_FREQUENT_VISITS="4",
                           ZSC_FORWARDED_ALLOW_IPS="10.0.0.1")
    assert settings.followup_due_days == 60
    assert settings.warning_thresholds.red == Decimal(50)
    assert settings.max_photo_bytes == 2_000_000
    assert settings.frequent_visits == 4 and settings.forwarded_allow_ips == "10.0.0.1"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'zsc.db'}"


def test_the_cli_and_the_code_come_before_the_environment(
        environment: Callable[..., Settings], tmp_path: Path) -> None:
    environment(ZSC_DATA_DIR="/elsewhere", ZSC_DATABASE_URL="postgresql+psycopg://x@h/zsc",
                ZSC_FOLLOWUP_DUE_DAYS="60")
    settings = Settings.from_env(tmp_path, "sqlite:///other.db", followup_due_days=45)
    assert settings.data_dir == tmp_path.resolve() and settings.database_url == "sqlite:///other.db"
    assert settings.followup_due_days == 45
    server_database = Settings.from_env()
    assert server_database.data_dir == Path("/elsewhere")
    assert not server_database.embedded_database


def test_the_workers_read_back_the_same_settings(environment: Callable[..., Settings],
                                                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``serve --workers N`` hands its settings to the worker processes as ``ZSC_`` variables."""
    settings = environment(ZSC_WARNING_THRESHOLDS="40,25.5,5", ZSC_FREQUENT_VISITS="3")
    given = Settings.from_env(tmp_path / "data", "sqlite:///x.db", followup_due_days=45)
    for name, value in given.environment().items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == given != settings


def test_the_photo_store_setting(environment: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch,
                                 tmp_path: Path) -> None:
    """Empty: the data directory; ``s3://bucket[/prefix]``: an object store, which the workers of
    ``serve --workers N`` read back."""
    assert environment().photos == ""
    settings = environment(ZSC_PHOTOS="s3://zsc-photos/city", ZSC_S3_ENDPOINT_URL="https://s3.internal")
    assert (settings.photos, settings.s3_endpoint_url) == ("s3://zsc-photos/city", "https://s3.internal")
    given = Settings.from_env(tmp_path, photos="s3://other-bucket")
    for name, value in given.environment().items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().photos == "s3://other-bucket"


@pytest.mark.parametrize(("variable", "raw", "said"), [
    ("ZSC_PHOTOS", "/mnt/photos", "应为 s3://存储桶 或 s3://存储桶/前缀"),
    ("ZSC_PHOTOS", "s3://Zsc_Photos", "存储桶名称无效"),
    ("ZSC_PHOTOS", "s3://ab", "存储桶名称无效"),
    ("ZSC_PHOTOS", "s3://zsc-photos/../other", "前缀不能含 .."),
    ("ZSC_S3_ENDPOINT_URL", "s3.internal:9000", "应为 http:// 或 https:// 开头的网址"),
    ("ZSC_S3_ADDRESSING_STYLE", "dns", "ZSC_S3_ADDRESSING_STYLE"),
])
def test_bad_photo_store_settings_are_refused(environment: Callable[..., Settings], variable: str,
                                              raw: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        environment(**{variable: raw})


def test_serve_stops_when_the_object_store_does_not_answer(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    """Before any worker starts, with a message naming what to check (not one 503 per upload)."""
    monkeypatch.setenv("ZSC_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("ZSC_S3_ACCESS_KEY_ID", "zsc")
    monkeypatch.setenv("ZSC_S3_SECRET_ACCESS_KEY", "not-a-store")
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path), "--photos", "s3://zsc-photos"])
    assert result.exit_code == 1, result.output
    assert "无法使用照片存储 s3://zsc-photos/photos/" in result.output
    assert "ZSC_S3_ENDPOINT_URL" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "zsc.db").exists(), "stopped before anything was made"


def test_a_disposal_is_overdue_the_day_after_its_deadline() -> None:
    inspected = dt.date(2026, 1, 31)
    due, late = disposal_due(inspected, dt.date(2026, 3, 2), 30)
    assert due == dt.date(2026, 3, 2) and not late, "the 30th day after the inspection is still in time"
    assert disposal_due(inspected, dt.date(2026, 3, 3), 30) == (dt.date(2026, 3, 2), True)
    assert disposal_due(inspected, inspected, 1) == (dt.date(2026, 2, 1), False)
    assert disposal_due(dt.date(2027, 12, 15), dt.date(2028, 1, 15), 30) == (dt.date(2028, 1, 14), True)


def test_the_cli_names_a_malformed_setting_instead_of_a_traceback(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZSC_FOLLOWUP_DUE_DAYS", "一个月")
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "ZSC_FOLLOWUP_DUE_DAYS「一个月」应为 1 到 3650 之间的整数天数" in result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("token", ["a", "x" * 31])
def test_a_short_admin_token_stops_the_server_and_the_cli(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: str) -> None:
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", token)
    with pytest.raises(ValueError, match=f"^ZSC_ADMIN_TOKEN 太短（{len(token)} 个字符）：管理员令牌至少 32 个字符"):
        Settings.from_env(tmp_path)
    for command in (["serve"], ["admin-token"], ["plan", "list"]):
        result = CliRunner().invoke(cli, [*command, "--data", str(tmp_path)])
        assert result.exit_code == 1 and "ZSC_ADMIN_TOKEN 太短" in result.output, command
        assert "Traceback" not in result.output


def test_a_long_random_admin_token_is_the_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    token = secrets.token_urlsafe(32)
    monkeypatch.setenv("ZSC_ADMIN_TOKEN", token)
    assert Settings.from_env(tmp_path).admin_token_value == token
    assert token not in repr(Settings.from_env(tmp_path)), "kept out of logs"
    result = CliRunner().invoke(cli, ["admin-token", "--data", str(tmp_path)])
    assert result.exit_code == 0 and result.output.strip() == token


def test_a_short_admin_token_stops_a_real_server_process(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "server_stub", "serve", "--data", str(tmp_path), "--port", "1"],
        cwd=PROJECT_ROOT, env={**os.environ, "ZSC_ADMIN_TOKEN": "a"}, capture_output=True,
        text=True, timeout=60, check=False)
    assert started.returncode == 1 and "ZSC_ADMIN_TOKEN 太短" in started.stderr
    assert not (tmp_path / "zsc.db").exists(), "refused before anything was created"


def test_no_setting_moves_the_platforms_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock is pinned only in-process by tests (tests/utils/clocked.py), never from outside."""
    import datetime as dt

    from server_stub.core import clock

    monkeypatch.setenv("ZSC_FAKE_NOW", "2000-01-01T00:00:00+08:00")
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    clock.pin(dt.datetime(2030, 1, 1, tzinfo=clock.CHINA))
    try:
        assert clock.now() == dt.datetime(2029, 12, 31, 16, tzinfo=dt.UTC)
    finally:
        clock.pin(None)
