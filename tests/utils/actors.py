"""The actor the in-process tests act as (the audit trail records every administrative act)."""

from __future__ import annotations

from server_stub.core.audit_trail import Actor, ActorRole

TESTER = Actor(ActorRole.HOST, "tester@test-host", "cli@test-host")
