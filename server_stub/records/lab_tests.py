"""Items sent for testing (issue 27 point 2): which records still wait for a laboratory's
report, and the reports attached (``server_stub.review.lab_reports`` attaches them)."""

from __future__ import annotations

import sqlalchemy as sa

from server_stub.core import tables as t
from server_stub.core.clock import rfc3339_or_none
from sync import LabReportLine


def awaits_report(conn: sa.Connection, record_id: str) -> bool:
    """Whether an item of the record sent for testing has no laboratory's report yet."""
    lab = t.lab_tests
    return conn.execute(sa.select(lab.c.item_code).where(
        lab.c.record_id == record_id, lab.c.report_sha256.is_(None)).limit(1)).first() is not None


def reports(conn: sa.Connection, record_id: str) -> list[LabReportLine]:
    """Each item of the record sent for testing, with its report once attached (``report``
    None until then), in item order of the table."""
    lab = t.lab_tests
    rows = conn.execute(sa.select(lab).where(lab.c.record_id == record_id)
                        .order_by(lab.c.item_code)).mappings()
    return [{"item": row["item_code"],
             "report": None if row["report_sha256"] is None else {
                 "sha256": row["report_sha256"], "number": row["report_no"],
                 "conclusion": row["conclusion"], "attached_by": row["attached_by"],
                 "attached_at": rfc3339_or_none(row["attached_at"])}} for row in rows]
