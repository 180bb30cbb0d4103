"""Enrolled devices: enrolment with a one-time code, bearer-token authentication, revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.audit_trail import ActKind, Actor, record_act
from server_stub.core.clock import as_utc
from server_stub.core.errors import Malformed, NotAllowed, NotFound, Unauthenticated
from server_stub.field.enrollment import code_hash, is_well_formed
from sync import Role, ValidationError, load_public_key

ROLES = tuple(Role)


@dataclass(frozen=True)
class Device:
    id: str
    inspector_id: str
    role: str
    public_key: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enroll(conn: sa.Connection, *, code: str, public_key: str, device_name: str,
           now: dt.datetime) -> tuple[Device, str]:
    """Redeem a one-time code for a new device; returns it and its bearer token (shown once)."""
    try:
        load_public_key(public_key)
    except ValidationError as e:
        raise Malformed("bad_public_key", f"公钥格式错误：{e.problems[0].message}") from None
    if not is_well_formed(code):
        raise Malformed("bad_code_format", "注册码应为12位字母和数字（如 ABCD-EFGH-JKMN），请核对后重新输入")
    c = t.enrollment_codes
    row = conn.execute(sa.select(c).where(c.c.code_hash == code_hash(code))).mappings().first()
    if row is None:
        raise NotAllowed("enrollment_code_invalid", "注册码不正确，请核对后重新输入")
    if row["used_at"] is not None:
        raise NotAllowed("enrollment_code_used", "该注册码已经使用过，请向审核人重新申请")
    if as_utc(row["expires_at"]) <= now:
        raise NotAllowed("enrollment_code_expired", "该注册码已过期，请向审核人重新申请")
    active = conn.execute(sa.select(t.inspectors.c.active)
                          .where(t.inspectors.c.id == row["inspector_id"])).scalar_one()
    if not active:
        raise NotAllowed("staff_inactive", "执法检查人员名录库中该人员已不在岗，不能注册设备")
    # Only one redemption can change the row: a second device racing for the code loses here.
    claimed = conn.execute(
        c.update().where(c.c.code_hash == row["code_hash"], c.c.used_at.is_(None)).values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise NotAllowed("enrollment_code_used", "该注册码已经使用过，请向审核人重新申请")
    device = Device(f"D{secrets.token_hex(8)}", row["inspector_id"], row["role"], public_key)
    token = secrets.token_urlsafe(32)
    conn.execute(t.devices.insert().values(
        id=device.id, inspector_id=device.inspector_id, role=device.role,
        name=device_name[:100] or "未命名设备", public_key=public_key, token_hash=token_hash(token),
        enrolled_at=now, revoked_at=None,
    ))
    return device, token


_DEVICE_BY_TOKEN = (sa.select(t.devices, t.inspectors.c.active)
                    .join(t.inspectors, t.inspectors.c.id == t.devices.c.inspector_id)
                    .where(t.devices.c.token_hash == sa.bindparam("token_hash")))
"""Built once: every call of every device asks it, and building it (with its cache key) cost
more than running it (issue 29 point 3)."""


def require_token(token: str | None) -> str:
    """The bearer token, or 401 when the call carries none."""
    if not token:
        raise Unauthenticated("unauthorized", "未登录：请先用注册码注册本设备")
    return token


def authenticate(conn: sa.Connection, token: str | None) -> Device:
    """The device whose bearer token is ``token``; 401 for none, unknown or revoked, and for a
    device whose person the staff directory marks inactive (不在岗): checked on every call, so a
    change in the directory takes effect at once, and what they signed before stays."""
    row = conn.execute(_DEVICE_BY_TOKEN, {"token_hash": token_hash(require_token(token))}).mappings().first()
    if row is None:
        raise Unauthenticated("unknown_device", "设备未注册或令牌无效，请重新注册")
    if row["revoked_at"] is not None:
        raise Unauthenticated("device_revoked", "本设备已被停用，请联系审核人")
    if not row["active"]:
        raise Unauthenticated("staff_inactive",
                              "执法检查人员名录库中您已不在岗，本设备不能再访问平台；如有疑问请联系管理员")
    return Device(row["id"], row["inspector_id"], row["role"], row["public_key"])


def revoke(conn: sa.Connection, device_id: str, *, now: dt.datetime, actor: Actor) -> None:
    """Refuse the device's later calls; the records it signed before stay valid. Revoking a
    revoked device changes nothing and records nothing."""
    d = t.devices
    done = conn.execute(d.update().where(d.c.id == device_id, d.c.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount
    if done:
        record_act(conn, actor, ActKind.DEVICE_REVOKED, device_id, at=now,
                   before={"revoked_at": None}, after={"revoked_at": now.isoformat()})
    elif conn.execute(sa.select(d.c.id).where(d.c.id == device_id)).first() is None:
        raise NotFound("device_not_found", f"设备「{device_id}」不存在")


def inspector_of(conn: sa.Connection, inspector_id: str) -> dict[str, str]:
    i = t.inspectors
    row = conn.execute(sa.select(i.c.id, i.c.name, i.c.department, i.c.badge_no)
                       .where(i.c.id == inspector_id)).mappings().one()
    return dict(row)


def may_read_record(conn: sa.Connection, device: Device, record_id: str) -> bool:
    """Inspectors read their own records; supervisors the records of their department's plans
    (DESIGN §11)."""
    r = t.records
    query = sa.select(r.c.id).where(r.c.id == record_id)
    if device.role == Role.SUPERVISOR:
        i, pd = t.inspectors, t.plan_departments
        query = query.where(r.c.plan_id.in_(
            sa.select(pd.c.plan_id).join(i, i.c.department == pd.c.department)
            .where(i.c.id == device.inspector_id)))
    else:
        query = query.where(r.c.inspector_id == device.inspector_id)
    return conn.execute(query).first() is not None
