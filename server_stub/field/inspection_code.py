"""The inspection code (亮码, DESIGN §7): a token the platform signs for each task.

The payload names the task, the entity, the team (names and badge numbers, the people the
enterprise should expect) and the validity window, China time: from the plan's first day to the
end of the task's due date. It verifies with the platform's public key alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_stub.core.clock import CHINA
from sync import StaffKind, TeamMemberJson, make_token

TOKEN_VERSION = 1


def code_payload(*, task_id: str, credit_code: str, entity_name: str,
                 team: Sequence[TeamMemberJson], window_start: dt.date,
                 due: dt.date) -> dict[str, Any]:
    start = dt.datetime.combine(window_start, dt.time(), CHINA)
    end = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), CHINA)
    return {
        "v": TOKEN_VERSION,
        "task_id": task_id,
        "credit_code": credit_code,
        "entity": entity_name,
        # a 专业技术人员 shows no 执法证: marked so (issue 26); an officer's entry is as before
        "team": [{"name": m["name"], "badge_no": m["badge_no"]}
                 if m.get("kind", StaffKind.OFFICER) == StaffKind.OFFICER
                 else {"name": m["name"], "badge_no": m["badge_no"], "kind": m["kind"]}
                 for m in team],
        "valid_from": start.isoformat(),
        "valid_until": end.isoformat(),
    }


def sign_code(payload: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    return make_token(payload, key)
