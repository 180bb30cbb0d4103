"""The server's tables (SQLAlchemy Core), one metadata for SQLite and PostgreSQL alike.

Migrations in ``server_stub/migrations`` create them; keep the two in step.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from sync import RecordState, Role

metadata = sa.MetaData()


def one_of(column: str, values: type[enum.StrEnum]) -> str:
    """A CHECK condition: ``column`` holds one of the enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


items = sa.Table(
    "items",
    metadata,
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("category", sa.String(60), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("basis", sa.Text, nullable=False),
    sa.Column("method", sa.String(20), nullable=False),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("checkpoints", sa.JSON, nullable=False),
    sa.Column("qualification", sa.String(60), nullable=False, server_default=""),
    # Which entities the item applies to: GB/T 4754 code prefixes and directory tags (both
    # empty: every entity).
    sa.Column("industries", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("tags", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    # The specialty a 专业技术人员 on the team must hold for this item ("" none).
    sa.Column("specialty", sa.String(60), nullable=False, server_default=""),
)

entities = sa.Table(
    "entities",
    metadata,
    sa.Column("credit_code", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("address", sa.String(300), nullable=False),
    sa.Column("region", sa.String(60), nullable=False, index=True),
    sa.Column("industry", sa.String(100), nullable=False, index=True),
    sa.Column("risk_grade", sa.String(1), nullable=False, index=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("industry_code", sa.String(5), nullable=False, server_default=""),
    sa.Column("tags", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    # The registered address's WGS 84 position, when the directory has it: both or neither,
    # checked by sync.Entity (no check constraint: see migration 0016).
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
)

inspectors = sa.Table(
    "inspectors",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("department", sa.String(100), nullable=False, index=True),
    sa.Column("badge_no", sa.String(40), nullable=False),
    sa.Column("qualifications", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("conflicts", sa.JSON, nullable=False),
    # 执法人员 or 专业技术人员 (sync.StaffKind; no check constraint: see migration 0017).
    sa.Column("kind", sa.String(10), nullable=False, server_default="执法人员"),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.String(60), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # The plan as ``plan_codec.plan_to_json`` writes it.
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("commitment", sa.String(64), nullable=False),
    # The platform's secret, one of the seed's three inputs (``ceremony.derive_seed``); secret
    # until the draw reveals it, never served before. (Plans drawn before issue 13 were drawn
    # with this value itself as the seed.)
    sa.Column("seed", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Which public randomness the draw takes (``ceremony.EntropySpec``), published with the plan;
    # null for plans created before issue 13 (20 dice).
    sa.Column("entropy", sa.JSON, nullable=True),
    # 检查类型: 双随机抽查, or a kind a department may exempt from its yearly cap (投诉举报 …).
    sa.Column("kind", sa.String(10), nullable=False, server_default="双随机抽查"),
)

draws = sa.Table(
    "draws",
    metadata,
    # One draw per plan: the primary key makes a second draw fail even under concurrency.
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("publication", sa.JSON, nullable=False),
    sa.Column("audit", sa.JSON, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(80), primary_key=True),
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), nullable=False, index=True),
    sa.Column("credit_code", sa.String(18), sa.ForeignKey("entities.credit_code"), nullable=False,
              index=True),
    sa.Column("team", sa.JSON, nullable=False),
    sa.Column("items", sa.JSON, nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("draw_order", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The day (China time) the task's batch is released to the phones; null: at once.
    sa.Column("release_on", sa.Date, nullable=True),
)

task_members = sa.Table(
    "task_members",
    metadata,
    sa.Column("task_id", sa.String(80), sa.ForeignKey("tasks.id"), primary_key=True),
    sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), primary_key=True,
              index=True),
)

enrollment_codes = sa.Table(
    "enrollment_codes",
    metadata,
    # SHA-256 of the one-time code: the code itself is never stored.
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), nullable=False),
    sa.Column("role", sa.String(20), nullable=False, server_default="inspector"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), nullable=False,
              index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.CheckConstraint(one_of("role", Role), name="ck_devices_role"),
    sa.Column("name", sa.String(100), nullable=False),
    # base64url of the 32 raw bytes of the device's Ed25519 public key.
    sa.Column("public_key", sa.String(43), nullable=False),
    # SHA-256 of the bearer token: the token itself is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("prev", sa.String(64), nullable=True),
    sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), nullable=False),
    sa.Column("task_id", sa.String(80), sa.ForeignKey("tasks.id"), nullable=False, index=True),
    sa.Column("credit_code", sa.String(18), nullable=False, index=True),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("supersedes", sa.String(64), nullable=True),
    # incomplete (photos missing) → awaiting_report (a lab's report) → submitted → returned |
    # approved → published
    sa.Column("state", sa.String(20), nullable=False, index=True),
    # The envelope exactly as received, so its signature can be re-verified forever.
    sa.Column("envelope", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    # True once a revision names this record in its ``supersedes``: it is no longer the result.
    sa.Column("superseded", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("reviewer_id", sa.String(40), nullable=True),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("review_comment", sa.Text, nullable=True),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    # Denormalised for the dashboard: the task's plan; the entity's industry, region and risk
    # grade as they were at the inspection; the dates (China time) of inspection and publication.
    sa.Column("plan_id", sa.String(60), nullable=True),
    sa.Column("industry", sa.String(100), nullable=True),
    sa.Column("region", sa.String(60), nullable=True),
    sa.Column("risk_grade", sa.String(1), nullable=True),
    sa.Column("inspected_on", sa.Date, nullable=True),
    sa.Column("published_on", sa.Date, nullable=True),
    # The task's draw order, copied for /results, which lists a publication's results in it: a
    # page then starts anywhere by reading an index (``ix_records_published_order``). The default
    # lets migration 0028 add the column without rebuilding the table; ingestion always sets it.
    sa.Column("draw_order", sa.Integer, nullable=False, server_default="0"),
    # A device's records form one chain: one record per sequence number, ever.
    sa.UniqueConstraint("device_id", "seq", name="uq_records_device_seq"),
    # Covering indexes of the dashboard's three grouped scans (each reads its index only).
    sa.Index("ix_records_dash_groups", "superseded", "industry", "region", "risk_grade", "plan_id",
             "state", "outcome", "inspected_on"),
    sa.Index("ix_records_dash_days", "superseded", "inspected_on", "published_on", "plan_id", "state"),
    # One name per state (sync.RecordState), held by the database too.
    sa.CheckConstraint(one_of("state", RecordState), name="ck_records_state"),
    sa.Index("ix_records_dash_tasks", "superseded", "plan_id", "task_id", "state", "inspected_on"),
)
# /results reads in its own order (newest publication first, then draw order and id) without
# sorting, and a page after a cursor starts with a range of this index (issue 29 point 4).
sa.Index("ix_records_published_order", records.c.published_at.desc(), records.c.draw_order, records.c.id)

photos = sa.Table(
    "photos",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
)

record_photos = sa.Table(
    "record_photos",
    metadata,
    sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True, index=True),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.String(80), sa.ForeignKey("tasks.id"), nullable=False, index=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("contact", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

plan_departments = sa.Table(
    "plan_departments",
    metadata,
    # Which departments run or join a plan: what a supervisor's department may see.
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("department", sa.String(100), primary_key=True, index=True),
)

lab_tests = sa.Table(
    "lab_tests",
    metadata,
    # An item sent for testing (issue 27 point 2, record format 4): its row is made when the
    # record arrives with the item 待检测, and the laboratory's report (a PDF in the photo store,
    # its number and conclusion) is written in once a supervisor attaches it.
    sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("item_code", sa.String(80), primary_key=True),
    sa.Column("report_sha256", sa.String(64), nullable=True, index=True),
    sa.Column("report_no", sa.String(60), nullable=True),
    sa.Column("conclusion", sa.String(10), nullable=True),
    sa.Column("attached_by", sa.String(40), nullable=True),
    sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("conclusion IS NULL OR conclusion IN ('合格', '不合格')",
                       name="ck_lab_tests_conclusion"),
)

followups = sa.Table(
    "followups",
    metadata,
    # The 后续处置台账 entry of a result 发现问题待后续处理, once closed (open ones have no row).
    sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("disposal", sa.String(20), nullable=False),
    sa.Column("disposal_date", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("closed_by", sa.String(40), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    # What the disposal names (sync.Disposal): the case number of a 立案, the department or
    # authority a transfer or copy went to, the 首违不罚 list entry of a 不予行政处罚.
    sa.Column("case_no", sa.String(60), nullable=True),
    sa.Column("counterpart", sa.String(100), nullable=True),
    sa.Column("list_entry", sa.String(200), nullable=True),
)

holidays = sa.Table(
    "holidays",
    metadata,
    # The administrator's holiday notice for years chinese-calendar does not know yet.
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("workday", sa.Boolean, nullable=False),
)

photo_uploads = sa.Table(
    "photo_uploads",
    metadata,
    # Which devices have sent a photo's bytes themselves. A record's photo counts as present, and
    # becomes readable through the record, only once the record's own device has sent it: naming
    # another device's photo hash in a record gives no access to it.
    sa.Column("sha256", sa.String(64), sa.ForeignKey("photos.sha256"), primary_key=True),
    sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), primary_key=True,
              index=True),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
)

throttle_events = sa.Table(
    "throttle_events",
    metadata,
    # Attempts that count against a limit (failed enrolment codes, feedback posts), by bucket and
    # key (a client address's hash, a task id); kept in the database so that every server process
    # sees the same counts.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("bucket", sa.String(20), nullable=False),
    sa.Column("key", sa.String(80), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_throttle_events_lookup", "bucket", "key", "at"),
)

draw_ceremonies = sa.Table(
    "draw_ceremonies",
    metadata,
    # One attempt at a plan's draw (DESIGN §6): the population frozen and published first, then
    # the public entropy entered, which derives the seed and makes the draw; or, before any
    # entropy, abandoned with a reason. Every attempt stays, and is public.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), nullable=False, index=True),
    # The plan's id while the attempt is open (frozen, waiting for entropy), else null: at most one
    # open attempt per plan, even under concurrency.
    sa.Column("open_plan_id", sa.String(60), nullable=True, unique=True),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
    # Internal: each stratum's grade, sorted ids, salt and commitment (the auditor's export).
    sa.Column("population", sa.JSON, nullable=False),
    # Public: the numbered strata (size, ratio, k, salted commitment) and their one commitment.
    sa.Column("strata", sa.JSON, nullable=False),
    sa.Column("population_commitment", sa.String(64), nullable=False),
    sa.Column("entropy", sa.JSON, nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
)

department_settings = sa.Table(
    "department_settings",
    metadata,
    # Each department's yearly cap: how many 双随机 inspections one enterprise may receive from it
    # in a calendar year (国办发〔2024〕54号), and which inspection kinds do not count.
    sa.Column("department", sa.String(100), primary_key=True),
    sa.Column("yearly_cap", sa.Integer, nullable=False),
    sa.Column("exempt_kinds", sa.JSON, nullable=False),
)

merkle_logs = sa.Table(
    "merkle_logs",
    metadata,
    # Each append-only log (DESIGN §10): its size and its frontier, the roots of the perfect
    # subtrees its leaves split into (largest first, hex), from which an append makes the new root
    # in O(log n). Appending locks this row, so the database gives the log its one order.
    sa.Column("name", sa.String(20), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("frontier", sa.JSON, nullable=False),
)

log_entries = sa.Table(
    "log_entries",
    metadata,
    # The leaves, never updated or deleted (the database refuses both: migration 0010's
    # triggers). ``entry`` is the canonical JSON whose leaf hash is ``leaf_hash``.
    sa.Column("log", sa.String(20), sa.ForeignKey("merkle_logs.name"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entry", sa.Text, nullable=False),
    sa.Column("leaf_hash", sa.String(64), nullable=False),
)

tree_heads = sa.Table(
    "tree_heads",
    metadata,
    # Every tree head the platform signed: size, root, time and the Ed25519 signature.
    sa.Column("log", sa.String(20), sa.ForeignKey("merkle_logs.name"), primary_key=True),
    sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("root", sa.String(64), nullable=False),
    sa.Column("timestamp", sa.String(40), nullable=False),
    sa.Column("signature", sa.String(100), nullable=False),
)

announcements = sa.Table(
    "announcements",
    metadata,
    # A plan's 抽查任务检查结果公告, numbered when its first result is published: per announcing
    # department (the plan's lead) and calendar year (China time), 第001号 upward, never renumbered.
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("department", sa.String(100), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("department", "year", "number", name="uq_announcements_number"),
)

recusal_requests = sa.Table(
    "recusal_requests",
    metadata,
    # 回避 asked by the enterprise on site (issue 14): the inspection did not go ahead with that
    # inspector; the task goes back to its supervisors with the reason. ``id`` is made on the
    # phone, so a repeated send is recognised.
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("task_id", sa.String(80), sa.ForeignKey("tasks.id"), nullable=False, index=True),
    sa.Column("inspector_id", sa.String(40), sa.ForeignKey("inspectors.id"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("device_id", sa.String(40), sa.ForeignKey("devices.id"), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

audit_acts = sa.Table(
    "audit_acts",
    metadata,
    # The audit trail's index (issue 19): for each leaf ``idx`` of the ``audit`` log, the fields
    # it is searched by. Append-only like the leaves (migration 0014), and checked against them
    # by ``audit_trail.verify``; ``plan_id`` is the plan an act concerns (a plan's, a draw's, a
    # record's), which is what a supervisor's view of their departments filters on.
    sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("object_id", sa.String(200), nullable=False),
    sa.Column("person", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("plan_id", sa.String(60), nullable=True),
    sa.Index("audit_acts_kind_at", "kind", "at"),
    sa.Index("audit_acts_object", "object_id"),
    sa.Index("audit_acts_plan", "plan_id"),
)

publications = sa.Table(
    "publications",
    metadata,
    # A published result and the leaf of the publication log it now stands on: its publication,
    # or the latest correction or withdrawal of it (each a leaf of its own; DESIGN §10). What the
    # public sees of it is that leaf's content, exactly as published.
    sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
    sa.Column("leaf", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.CheckConstraint("status IN ('published', 'corrected', 'withdrawn')",
                       name="ck_publications_status"),
    # The withdrawn few, found without reading every publication (/results' total, issue 29).
    sa.Index("ix_publications_status", "status", "record_id"),
)

departments = sa.Table(
    "departments",
    metadata,
    # The departments of the city's 双随机 system by level and region (sync.Department); a county
    # department names the city department it answers to in the same line of work.
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("level", sa.String(4), nullable=False),
    sa.Column("region", sa.String(60), nullable=False, index=True),
    sa.Column("parent", sa.String(100), nullable=False, server_default=""),
    sa.CheckConstraint("level IN ('市级', '县级')", name="ck_departments_level"),
)

plan_partners = sa.Table(
    "plan_partners",
    metadata,
    # Each 配合部门's answer to a joint plan (经配合部门确认后实施): pending until it confirms its
    # part (its items, the staff it offers, its qualification needs) or declines with a reason.
    # The freeze waits for every partner to have answered.
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("department", sa.String(100), primary_key=True),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    # The inspector ids it offers (empty: any of its staff), and what it asks of them.
    sa.Column("staff", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("qualifications", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("answered_by", sa.String(100), nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'confirmed', 'declined')",
                       name="ck_plan_partners_state"),
)

trigger_lists = sa.Table(
    "trigger_lists",
    metadata,
    # A 风险触发预警清单 (issue 26): the entities a published rule picked when it was built, fixed
    # from then on (a new build is a new list). A 触发式抽查 plan draws from its list ∩ scope.
    # Internal but for the rule text and the count: the members and the salt of the commitment
    # go to the auditor's export only.
    sa.Column("id", sa.String(60), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # red-warning | overdue-followup | imported (draws.triggers.Rule)
    sa.Column("rule", sa.String(20), nullable=False),
    sa.Column("rule_text", sa.Text, nullable=False),
    sa.Column("members", sa.JSON, nullable=False),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("commitment", sa.String(64), nullable=False),
    sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("built_by", sa.String(100), nullable=False),
)

plan_triggers = sa.Table(
    "plan_triggers",
    metadata,
    # The trigger list a 触发式抽查 plan draws from (one per plan, named at its creation).
    sa.Column("plan_id", sa.String(60), sa.ForeignKey("plans.id"), primary_key=True),
    sa.Column("list_id", sa.String(60), sa.ForeignKey("trigger_lists.id"), nullable=False),
)

sandbox_entries = sa.Table(
    "sandbox_entries",
    metadata,
    # 沙盒监管 (issue 26): an entity 信用好、风险低 kept out of routine 双随机抽查 plans from
    # ``starts_on`` to ``ends_on`` (China dates, both included), with the reason. A removal ends the
    # entry at ``removed_at`` and keeps it, so a draw's export can show the sandbox as it stood at
    # the freeze. Internal: membership says "low risk", which is a grade by another name.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("credit_code", sa.String(18), sa.ForeignKey("entities.credit_code"), nullable=False,
              index=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("added_by", sa.String(100), nullable=False),
    sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("removed_by", sa.String(100), nullable=True),
    sa.Column("removal_reason", sa.Text, nullable=True),
)

province_outbox = sa.Table(
    "province_outbox",
    metadata,
    # Issue 27 point 5: each leaf of the publication log, to push once to the provincial platform
    # (``publication/province.py``); the row is written in the transaction of the leaf.
    sa.Column("leaf", sa.Integer, primary_key=True, autoincrement=False),
    # the idempotency key: the leaf hash (hex)
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("record_id", sa.String(36), nullable=False),
    # pending | delivered | failed (province.State)
    sa.Column("state", sa.String(10), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    # seconds since the epoch: when a pending row is due, and until when a pusher holds it
    sa.Column("next_try", sa.Float, nullable=False),
    sa.Column("lease_until", sa.Float, nullable=True),
    sa.Column("leased_by", sa.String(100), nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_answer", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
)

cosignatures = sa.Table(
    "cosignatures",
    metadata,
    # Issue 28: an outside witness's co-signature of a signed tree head (``core/witnesses.py``),
    # kept beside the head as the witness sent it; shown only while it still verifies against
    # the stored head (a rewritten head loses its witnesses).
    sa.Column("log", sa.String(20), primary_key=True),
    sa.Column("size", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("witness_key", sa.String(43), primary_key=True),
    sa.Column("root", sa.String(64), nullable=False),
    sa.Column("timestamp", sa.String(40), nullable=False),
    sa.Column("witnessed_at", sa.String(40), nullable=False),
    sa.Column("signature", sa.String(86), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

# Issue 29 point 4: the dashboard's maintained aggregates (``publication/aggregates.py``).
# Triggers on ``records`` and ``tasks`` (migration 0023) append one delta row per change that
# touches a counted row, in the changing transaction; a fold (at each dashboard view, and
# ``aggregates fold``) moves the deltas into the counts. Counts plus unfolded deltas are always
# exactly the full recount.
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

aggregate_deltas = sa.Table(
    "aggregate_deltas",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(60), nullable=True),
    sa.Column("inspected_on", sa.Date, nullable=True),
    sa.Column("published_on", sa.Date, nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("industry", sa.String(100), nullable=True),
    sa.Column("region", sa.String(60), nullable=True),
    sa.Column("risk_grade", sa.String(1), nullable=True),
    sa.Column("problem", sa.Integer, nullable=False),  # 1 when the outcome is not 未发现问题
    sa.Column("n", sa.Integer, nullable=False),  # +1 a row now counted, -1 one no longer
)

task_deltas = sa.Table(
    "task_deltas",
    metadata,
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(60), nullable=False),
    sa.Column("credit_code", sa.String(18), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
)

draw_deltas = sa.Table(
    "draw_deltas",
    metadata,
    # A draw made (its plan's tasks now count in 频繁检查预警 for the draw's year).
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(60), nullable=False),
)

dashboard_groups = sa.Table(
    "dashboard_groups",
    metadata,
    # Current results (not superseded, in a final state) by plan, day and one of industry,
    # region or risk grade (``dimension``), with how many found a problem.
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(60), nullable=True),
    sa.Column("inspected_on", sa.Date, nullable=True),
    sa.Column("dimension", sa.String(10), nullable=False),
    sa.Column("key", sa.String(100), nullable=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("problems", sa.Integer, nullable=False),
    sa.Index("ix_dashboard_groups_scope", "plan_id", "inspected_on", "dimension", "key", "n", "problems"),
)

dashboard_days = sa.Table(
    "dashboard_days",
    metadata,
    # Current results by plan, inspection day, publication day and state.
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(60), nullable=True),
    sa.Column("inspected_on", sa.Date, nullable=True),
    sa.Column("published_on", sa.Date, nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_dashboard_days_scope", "plan_id", "inspected_on", "published_on", "state", "n"),
)

plan_states = sa.Table(
    "plan_states",
    metadata,
    # Current results per plan and state: the dashboard's per-plan figures without a period,
    # /results' total and the announcements' counts, a few rows per plan.
    sa.Column("plan_id", sa.String(60), nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
)

plan_task_counts = sa.Table(
    "plan_task_counts",
    metadata,
    sa.Column("plan_id", sa.String(60), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)

yearly_visits = sa.Table(
    "yearly_visits",
    metadata,
    # Tasks per enterprise in the plans drawn in a year (China time): 频繁检查预警.
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("credit_code", sa.String(18), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_yearly_visits_top", "year", "n", "credit_code"),
)
