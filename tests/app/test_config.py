from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import DEFAULT_FILE, ConfigError, load_config


def test_defaults_come_from_flet_toml() -> None:
    config = load_config(environ={})
    assert config.server_url == "http://127.0.0.1:8700"
    assert config.photo_long_edge_px == 1600 and config.sync_interval_seconds == 60


def test_environment_overrides_each_key() -> None:
    config = load_config(environ={"ZSC_SERVER_URL": "http://10.0.0.5:8700/", "ZSC_PHOTOS_MAX_PIXELS": "1000",
                                  "ZSC_SERVER_TIMEOUT_SECONDS": "2.5"})
    assert config.server_url == "http://10.0.0.5:8700"
    assert config.photo_max_pixels == 1000 and config.server_timeout_seconds == 2.5


def test_bad_override_is_an_error_not_a_default() -> None:
    with pytest.raises(ConfigError, match="ZSC_WEB_PORT"):
        load_config(environ={"ZSC_WEB_PORT": "eighty"})


def test_every_key_is_documented() -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"undocumented key: {line}"


def test_missing_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "flet.toml"
    path.write_text('[server]\nurl = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="missing key"):
        load_config(path, environ={})


@pytest.mark.parametrize(("change", "named"), [
    (lambda text: text.replace("\nurl = ", "\nulr = "), "[server] ulr"),
    (lambda text: text + "\n[photo]\nmax_pixels = 10\n", "[photo] max_pixels"),
    (lambda text: "stray = 1\n" + text, "[stray]"),
], ids=["misspelt key", "misspelt section", "key outside a section"])
def test_an_unknown_key_is_an_error(tmp_path: Path, change: Callable[[str], str], named: str) -> None:
    """A misspelt key would otherwise leave its setting at the default without a word."""
    path = tmp_path / "flet.toml"
    path.write_text(change(DEFAULT_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(named)):
        load_config(path, environ={})
