"""The app's settings: ``flet.toml`` beside the project, each key overridable by the environment.

``ZSC_<SECTION>_<KEY>`` overrides ``[section] key``; the value is converted to the type of the
value in ``flet.toml``. An unknown key or an unconvertible value is an error at start, not a
silent default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "flet.toml"


class ConfigError(ValueError):
    """flet.toml or an override is wrong; the message says which key and why."""


@dataclass(frozen=True)
class Config:
    server_url: str
    server_timeout_seconds: float
    sync_interval_seconds: int
    photo_max_file_bytes: int
    photo_max_pixels: int
    photo_long_edge_px: int
    photo_jpeg_quality: int
    photo_thumbnail_px: int
    data_dir: str
    web_host: str
    web_port: int


def _convert(value: str, like: Any, key: str) -> Any:
    try:
        if isinstance(like, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return type(like)(value)
    except ValueError:
        raise ConfigError(f"{key}={value!r}: expected {type(like).__name__}") from None


_KEYS = {
    "server_url": ("server", "url"),
    "server_timeout_seconds": ("server", "timeout_seconds"),
    "sync_interval_seconds": ("sync", "interval_seconds"),
    "photo_max_file_bytes": ("photos", "max_file_bytes"),
    "photo_max_pixels": ("photos", "max_pixels"),
    "photo_long_edge_px": ("photos", "long_edge_px"),
    "photo_jpeg_quality": ("photos", "jpeg_quality"),
    "photo_thumbnail_px": ("photos", "thumbnail_px"),
    "data_dir": ("app", "data_dir"),
    "web_host": ("web", "host"),
    "web_port": ("web", "port"),
}
"""Each ``Config`` field and the ``[section] key`` of flet.toml it comes from."""


def load_config(path: Path = DEFAULT_FILE, environ: Mapping[str, str] = os.environ) -> Config:
    """Settings from ``path`` with environment overrides applied."""
    with open(path, "rb") as f:
        raw: dict[str, dict[str, Any]] = tomllib.load(f)
    known = set(_KEYS.values())
    unknown = sorted(f"[{section}] {key}" for section, values in raw.items()
                     for key in (values if isinstance(values, dict) else {"": None})
                     if (section, key) not in known)
    if unknown:
        raise ConfigError(f"{path}: unknown key {', '.join(unknown)}")
    for section, values in raw.items():
        for key, value in values.items():
            env_key = f"ZSC_{section}_{key}".upper()
            if env_key in environ:
                values[key] = _convert(environ[env_key], value, env_key)
    try:
        values = {name: raw[section][key] for name, (section, key) in _KEYS.items()}
    except KeyError as e:
        raise ConfigError(f"{path}: missing key {e}") from None
    config = Config(
        server_url=str(values["server_url"]).rstrip("/"),
        server_timeout_seconds=float(values["server_timeout_seconds"]),
        sync_interval_seconds=int(values["sync_interval_seconds"]),
        photo_max_file_bytes=int(values["photo_max_file_bytes"]),
        photo_max_pixels=int(values["photo_max_pixels"]),
        photo_long_edge_px=int(values["photo_long_edge_px"]),
        photo_jpeg_quality=int(values["photo_jpeg_quality"]),
        photo_thumbnail_px=int(values["photo_thumbnail_px"]),
        data_dir=str(values["data_dir"]),
        web_host=str(values["web_host"]),
        web_port=int(values["web_port"]),
    )
    if not 1 <= config.photo_jpeg_quality <= 95:
        raise ConfigError("photos.jpeg_quality must be between 1 and 95")
    return config
