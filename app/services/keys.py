"""Where the device's Ed25519 private key lives: never in the SQLite file beside the data.

* On a phone or a desktop build the key goes to the platform's secure storage through
  ``flet-secure-storage`` (Android Keystore, iOS/macOS Keychain, Windows Credential Manager).
* In the web client the app's Python runs on the host that serves it, and the browser's
  "secure storage" is only an encrypted localStorage of whichever browser happens to connect;
  the key would be lost with a browser profile and could not sign. There the key is a separate
  file *outside* the data directory, in a directory only the account can open (0700) and a
  file only it can read (0600), named after the data directory it belongs to. Copying the data
  directory therefore copies no key. This is recorded in docs/decisions.md.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from flet_secure_storage import SecureStorage

from sync import b64url_decode, b64url_encode

SECURE_STORAGE = "secure-storage"
KEY_NAME = "zsc.device_key"


class KeyVault(Protocol):
    """Keeps the 32 raw bytes of the device key."""

    @property
    def description(self) -> str:
        """What ``Enrolment.key_storage`` records: where the key is."""
        ...

    async def save(self, raw: bytes) -> None: ...
    async def load(self) -> bytes | None: ...
    async def forget(self) -> None: ...


def default_key_dir() -> Path:
    """``$ZSC_KEY_DIR``, else ``$XDG_CONFIG_HOME/zhangshangcha/keys`` (``~/.config/...``)."""
    if os.environ.get("ZSC_KEY_DIR"):
        return Path(os.environ["ZSC_KEY_DIR"])
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "zhangshangcha" / "keys"


class FileKeyVault:
    """The key in its own 0600 file, in a 0700 directory away from the data directory."""

    def __init__(self, data_dir: Path, key_dir: Path | None = None) -> None:
        tag = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
        self.path = (key_dir or default_key_dir()) / f"device-{tag}.key"
        if self.path.resolve().is_relative_to(data_dir.resolve()):
            raise ValueError(f"the key directory {self.path.parent} lies inside the data directory")

    @property
    def description(self) -> str:
        return f"file:{self.path}"

    async def save(self, raw: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path.parent, 0o700)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(b64url_encode(raw))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.path)

    async def load(self) -> bytes | None:
        try:
            return b64url_decode(self.path.read_text().strip(), field="device_key")
        except FileNotFoundError:
            return None

    async def forget(self) -> None:
        self.path.unlink(missing_ok=True)


class SecureStorageVault:
    """The key in the platform's secure storage (a phone's Keystore or Keychain)."""

    def __init__(self, storage: SecureStorage) -> None:
        self.storage = storage

    @property
    def description(self) -> str:
        return SECURE_STORAGE

    async def save(self, raw: bytes) -> None:
        await self.storage.set(KEY_NAME, b64url_encode(raw))

    async def load(self) -> bytes | None:
        value = await self.storage.get(KEY_NAME)
        return b64url_decode(value, field="device_key") if value else None

    async def forget(self) -> None:
        await self.storage.remove(KEY_NAME)
