"""Server settings: one object (``Settings``, pydantic-settings) read from ``ZSC_`` environment
variables, the CLI's ``--data`` and ``--db`` coming before them.

- ``ZSC_DATA_DIR`` (default ``./data``): the SQLite database, the photo store, the signing key.
- ``ZSC_DATABASE_URL`` (default: ``zsc.db`` in the data directory): another database, e.g.
  ``postgresql+psycopg://user@127.0.0.1:5432/zsc``.
- ``ZSC_MAX_PHOTO_BYTES`` (default 8 MiB): the largest photo the server accepts.
- ``ZSC_WARNING_THRESHOLDS`` (default ``30,20,10``): the problem-rate percentages of the red,
  orange and yellow warnings.
- ``ZSC_FOLLOWUP_DUE_DAYS`` (default 30): calendar days after the inspection a 发现问题待后续处理
  may stay without its disposal before the ledger flags it overdue.
- ``ZSC_FREQUENT_VISITS`` (default 2): the dashboard warns of enterprises inspected more often
  than this in a year by all departments together.
- ``ZSC_ADMIN_TOKEN`` (default: made once and kept in the data directory, ``admin_token``): the
  administrator's token; a guessable one stops the start like any malformed value.
- ``ZSC_FORWARDED_ALLOW_IPS`` (default none): the reverse proxies whose forwarding headers
  ``serve`` trusts, comma-separated.
- ``ZSC_PROVINCE_ENDPOINT`` (default none): the provincial platform's URL each published,
  corrected or withdrawn result is POSTed to (``publication/province.py``); unset, nothing is
  pushed and the outbox keeps every result for when it is set. ``ZSC_PROVINCE_TOKEN`` (optional):
  sent as ``Authorization: Bearer``. ``ZSC_PROVINCE_TIMEOUT`` (10 s), ``ZSC_PROVINCE_POLL`` (5 s:
  how often each server process looks for what is due), ``ZSC_PROVINCE_BACKOFF`` (5 s: the first
  retry's wait, doubling) and ``ZSC_PROVINCE_BACKOFF_CAP`` (3600 s). Read from the environment
  by every worker process.
- ``ZSC_WITNESSES`` (default none): the outside witnesses whose co-signatures of the logs' tree
  heads the platform accepts and shows (issue 28, ``core/witnesses.py``), ``名称=公钥,名称=公钥``
  (each key base64url Ed25519, as ``python -m sync.witness key`` prints it).
  ``ZSC_WITNESSES_REQUIRED`` (default 0): how many of them must have co-signed a head covering a
  result before the public pages count it as published rather than 待见证 (its publication date,
  and the 20-working-day clock, are the act's all the same). Read from the environment by every
  worker process.
- ``ZSC_PHOTOS`` (default: ``photos/`` in the data directory): where photos (and every other
  byte of an upload) are kept; ``s3://bucket`` or ``s3://bucket/prefix`` puts them in an
  S3-compatible object store (``records/photo_store.py``), so that several platform machines
  serve them without a shared disk. The store is reached with ``ZSC_S3_ENDPOINT_URL``,
  ``ZSC_S3_ACCESS_KEY_ID``, ``ZSC_S3_SECRET_ACCESS_KEY`` and ``ZSC_S3_REGION`` when set, else
  as the AWS SDK finds them (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``~/.aws``, an instance role).
  ``ZSC_S3_ADDRESSING_STYLE`` (``path``, or ``virtual``), ``ZSC_S3_CONNECT_TIMEOUT`` (2 s) and
  ``ZSC_S3_READ_TIMEOUT`` (20 s). Read from the environment by every worker process.

A malformed value stops the server and every command at start with a one-line Chinese message
naming the variable (``from_env`` raises ``ValueError``). The routes read the settings through
one dependency, ``api.deps.SettingsDep``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from server_stub.core.admin_token import weakness, with_advice
from server_stub.core.warning_thresholds import DEFAULT_THRESHOLDS, Thresholds

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700

PREFIX = "ZSC_"

DEFAULT_MAX_PHOTO_BYTES = 8 * 1024 * 1024
DEFAULT_DUE_DAYS = 30
"""后续处置台账: calendar days from the inspection to a disposal before the entry is overdue."""
DEFAULT_FREQUENT_AFTER = 2
"""频繁检查预警: more than this many inspections of one enterprise in a calendar year."""

# name, low, high, default, unit of each whole-number setting
_WHOLE_NUMBERS: dict[str, tuple[int, int, int, str]] = {
    "max_photo_bytes": (64 * 1024, 2**30, DEFAULT_MAX_PHOTO_BYTES, "字节数"),
    "followup_due_days": (1, 3650, DEFAULT_DUE_DAYS, "天数"),
    "frequent_visits": (1, 100, DEFAULT_FREQUENT_AFTER, "次"),
}


def _variable(field: str) -> str:
    return PREFIX + field.upper()


def thresholds_from(raw: str) -> Thresholds:
    """``"30,20,10"``: the red, orange and yellow problem-rate percentages of the four colours."""
    try:
        red, orange, yellow = (Decimal(v.strip()) for v in raw.split(","))
    except (ValueError, ArithmeticError):
        raise ValueError(f"ZSC_WARNING_THRESHOLDS「{raw}」应为三个百分数，如 30,20,10") from None
    try:
        return Thresholds(red, orange, yellow)
    except ValueError as e:
        raise ValueError(f"ZSC_WARNING_THRESHOLDS「{raw}」：{e}") from None


def _whole_number(field: str, raw: object) -> int:
    """The whole-number setting ``field`` in its range; ``ValueError`` saying what it should be."""
    low, high, default, unit = _WHOLE_NUMBERS[field]
    try:
        value: int | None = int(str(raw).strip()) if not isinstance(raw, bool) else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"{_variable(field)}「{raw}」应为 {low} 到 {high} 之间的整数{unit}，默认 {default}")
    return value


class Settings(BaseSettings):
    """The server's settings (see the module's table); frozen once read."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True,
                                      extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    """Empty (unset): the SQLite file ``zsc.db`` in ``data_dir``."""
    max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES
    warning_thresholds: Annotated[Thresholds, NoDecode] = DEFAULT_THRESHOLDS
    followup_due_days: int = DEFAULT_DUE_DAYS
    frequent_visits: int = DEFAULT_FREQUENT_AFTER
    admin_token: SecretStr | None = None
    """Checked (``admin_token.weakness``) by ``from_env`` unless told not to."""
    forwarded_allow_ips: str = ""
    province_endpoint: str = ""
    province_token: SecretStr | None = None
    province_timeout: float = Field(default=10.0, ge=0.05, le=600)
    province_poll: float = Field(default=5.0, ge=0.05, le=3600)
    province_backoff: float = Field(default=5.0, ge=0.01, le=86400)
    province_backoff_cap: float = Field(default=3600.0, ge=0.01, le=7 * 86400)
    witnesses: Annotated[tuple[tuple[str, str], ...], NoDecode] = ()
    """(name, public key) of each witness, from ``ZSC_WITNESSES``."""
    witnesses_required: int = Field(default=0, ge=0, le=20)
    photos: str = ""
    """Empty: ``photos_dir``; ``s3://bucket[/prefix]``: an object store."""
    s3_endpoint_url: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = ""
    s3_addressing_style: Literal["path", "virtual"] = "path"
    s3_connect_timeout: float = Field(default=2.0, ge=0.1, le=120)
    s3_read_timeout: float = Field(default=20.0, ge=0.1, le=600)

    @field_validator("photos", mode="after")
    @classmethod
    def _photos(cls, value: str) -> str:
        if value and not value.startswith("s3://"):
            raise ValueError(f"ZSC_PHOTOS「{value}」应为 s3://存储桶 或 s3://存储桶/前缀"
                             "（不设置则照片存于数据目录）")
        if value:
            _check_bucket(value)
        return value

    @field_validator("s3_endpoint_url", mode="after")
    @classmethod
    def _s3_endpoint(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"ZSC_S3_ENDPOINT_URL「{value}」应为 http:// 或 https:// 开头的网址")
        return value

    @field_validator("witnesses", mode="before")
    @classmethod
    def _witnesses(cls, value: object) -> object:
        return witnesses_from(value) if isinstance(value, str) else value

    @field_validator("province_endpoint", mode="after")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"ZSC_PROVINCE_ENDPOINT「{value}」应为 http:// 或 https:// 开头的网址")
        return value

    @field_validator("max_photo_bytes", "followup_due_days", "frequent_visits", mode="before")
    @classmethod
    def _whole(cls, value: object, info: Any) -> int:
        return _whole_number(info.field_name, value)

    @field_validator("warning_thresholds", mode="before")
    @classmethod
    def _thresholds(cls, value: object) -> object:
        return thresholds_from(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _paths(self) -> Settings:
        # frozen: set once here, while the object is being made
        object.__setattr__(self, "data_dir", self.data_dir.resolve())
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'zsc.db'}")
        return self

    @classmethod
    def from_env(cls, data_dir: Path | str | None = None, database_url: str | None = None, *,
                 check_admin_token: bool = True, **overrides: Any) -> Settings:
        """The settings from the environment, ``data_dir``, ``database_url`` and ``overrides``
        (field names) before it; ``ValueError`` (in Chinese, one line per malformed variable,
        naming it) otherwise. ``check_admin_token=False`` is for ``admin-token --new`` alone,
        which makes the token that replaces a refused one."""
        given = {"data_dir": data_dir, "database_url": database_url, **overrides}
        try:
            settings = cls(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as e:
            raise ValueError("\n".join(_message(error) for error in e.errors())) from None
        token = settings.admin_token_value
        problem = weakness(token) if check_admin_token and token else None
        if problem is not None:
            raise ValueError(with_advice(f"ZSC_ADMIN_TOKEN {problem}"))
        return settings

    @property
    def admin_token_value(self) -> str | None:
        return self.admin_token.get_secret_value() if self.admin_token else None

    @property
    def photos_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def embedded_database(self) -> bool:
        """The zero-set-up default (a SQLite file): ``serve`` migrates it itself."""
        return self.database_url.startswith("sqlite")

    def environment(self) -> dict[str, str]:
        """These settings as the ``ZSC_`` variables that give them back (the admin token and
        the proxies aside: those come from the environment alone): what the worker processes
        of ``serve --workers N`` read."""
        t = self.warning_thresholds
        values = {"data_dir": str(self.data_dir), "database_url": self.database_url,
                  "max_photo_bytes": str(self.max_photo_bytes),
                  "warning_thresholds": f"{t.red},{t.orange},{t.yellow}",
                  "followup_due_days": str(self.followup_due_days),
                  "frequent_visits": str(self.frequent_visits), "photos": self.photos}
        return {_variable(field): value for field, value in values.items()}


def _check_bucket(url: str) -> None:
    """``s3://bucket[/prefix]`` with a bucket name S3 takes (``S3Location.parse`` reads it)."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ValueError(f"ZSC_PHOTOS「{url}」中的存储桶名称无效（3–63 个小写字母、数字、点或连字符）")
    if ".." in prefix.split("/"):
        raise ValueError(f"ZSC_PHOTOS「{url}」的前缀不能含 ..")


def witnesses_from(raw: str) -> tuple[tuple[str, str], ...]:
    """``"市纪委监委=KEY,某公证处=KEY"``: each witness's name and Ed25519 public key."""
    from sync import ZscError, load_public_key

    found: list[tuple[str, str]] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        name, _, key = part.partition("=")
        name, key = name.strip(), key.strip()
        if not name or not key:
            raise ValueError(f"ZSC_WITNESSES「{part}」应写作 名称=公钥")
        try:
            load_public_key(key)
        except ZscError:
            raise ValueError(f"ZSC_WITNESSES 中「{name}」的公钥不是 base64url 编码的 Ed25519 公钥") from None
        if any(key == k or name == n for n, k in found):
            raise ValueError(f"ZSC_WITNESSES 中「{name}」重复了（名称和公钥都应各不相同）")
        found.append((name, key))
    return tuple(found)


def _message(error: Any) -> str:
    """A validation error as one line: the validators' own Chinese message, or the variable's name
    and what pydantic found wrong."""
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, ValueError):
        return str(cause)
    field = str(error["loc"][0]) if error.get("loc") else ""
    return f"{_variable(field)}「{error.get('input')}」有误：{error['msg']}"
