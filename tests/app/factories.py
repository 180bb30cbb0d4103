"""Tasks as GET /api/v1/tasks gives them, and an enrolled device, for the app's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.services.keys import FileKeyVault
from app.store import Enrolment, LocalStore
from sync import generate_key, private_key_bytes, public_key_b64
from tests.sync.factories import CREDIT_CODE


def make_task(task_id: str = "T-1", *, items: int = 3, due: str = "2026-05-01",
              name: str = "青岛海鲜食品有限公司", record: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": task_id, "plan_id": "P-1", "plan_name": "2026年食品经营抽查", "credit_code": CREDIT_CODE,
        "entity": {"name": name, "address": "山东省青岛市市南区香港中路1号", "region": "市南区",
                   "industry": "餐饮服务"},
        "items": [{"code": f"SP-0{n}", "name": f"事项{n}", "category": "食品", "basis": "《食品安全法》",
                   "method": "实地核查", "department": "市场监管局", "checkpoints": ["检查内容"]}
                  for n in range(1, items + 1)],
        "team": [{"id": "WH001", "name": "张三", "badge_no": "37020001"},
                 {"id": "WH002", "name": "李四", "badge_no": "37020002"}],
        "due": due, "code_token": "eyJ0.c2ln", "record": record,
    }


async def enrolled(store: LocalStore, key_dir: Path, device_id: str = "D-0001") -> tuple[Enrolment, FileKeyVault]:
    """An enrolment in ``store`` whose key sits in a file vault under ``key_dir``."""
    key = generate_key()
    vault = FileKeyVault(key_dir / "data", key_dir / "keys")
    await vault.save(private_key_bytes(key))
    enrolment = Enrolment("http://127.0.0.1:1", device_id, "token", "inspector",
                          {"id": "WH001", "name": "张三", "department": "市场监管局", "badge_no": "37020001"},
                          "2026-03-01T08:00:00+08:00", public_key_b64(key), vault.description)
    store.save_enrolment(enrolment)
    return enrolment, vault
