"""Valid records to start from; each test changes one thing."""

from __future__ import annotations

import hashlib
from typing import Any

CREDIT_CODE = "91440300708461136T"


def photo(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def make_record(**changes: Any) -> dict[str, Any]:
    """A fresh, valid record JSON object (seq 1 of device D-0001), with ``changes`` applied."""
    record: dict[str, Any] = {
        "v": 1,
        "id": "3f2b8c1e-9d4a-4b7e-8c2d-1a2b3c4d5e6f",
        "task_id": "T-2024-0001",
        "credit_code": CREDIT_CODE,
        "inspectors": ["WH001", "WH002"],
        "items": [
            {"code": "SP-01", "result": "合格", "note": "", "photos": [photo("a.jpg")]},
            {
                "code": "SP-02",
                "result": "不合格",
                "note": "冷藏柜温度8℃，超出规定",
                "photos": [photo("b.jpg"), photo("c.jpg")],
            },
            {"code": "SP-03", "result": "不涉及", "note": "", "photos": []},
        ],
        "outcome": "发现问题已责令改正",
        "note": "当场责令整改，企业负责人已签字确认。",
        "location": {"lat": 37.5131, "lon": 122.1204, "accuracy_m": 12.5, "source": "device"},
        "started_at": "2024-05-01T09:30:00+08:00",
        "finished_at": "2024-05-01T10:45:30+08:00",
        "device_id": "D-0001",
        "seq": 1,
        "prev": None,
        "supersedes": None,
    }
    record.update(changes)
    return record
