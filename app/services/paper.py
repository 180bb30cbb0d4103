"""The enterprise's copy of the 现场检查笔录: the PDF of a record signed on this phone, drawn
offline by the same code as the platform's (``sync.render_record_pdf``) from what the phone
holds: the task (entity, items, team), the photos' thumbnails and the signature PNG."""

from __future__ import annotations

import json
from pathlib import Path

from sync import RecordSheet, TaskJson, check_url, photo_hashes, render_record_pdf, validate_record
from sync.file_name import record_pdf_name

from ..domain.tasks import credential
from ..store import LocalStore

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"


class PaperService:
    def __init__(self, store: LocalStore, server_url: str) -> None:
        self.store = store
        self.server_url = server_url

    def file_name(self, task: TaskJson, record_id: str) -> str:
        """``现场检查笔录_<企业名称>_<检查日期>.pdf``, as the platform names the same paper."""
        row = next((r for r in self.store.records(task["id"]) if r["id"] == record_id), None)
        started_at = json.loads(row["envelope"])["record"].get("started_at", "") if row else ""
        return record_pdf_name(task["entity"]["name"], started_at)

    def render(self, task: TaskJson, record_id: str) -> bytes:
        """The PDF of this phone's record ``record_id`` of ``task`` (``KeyError`` if it has none)."""
        row = next((r for r in self.store.records(task["id"]) if r["id"] == record_id), None)
        if row is None:
            raise KeyError(record_id)
        record = validate_record(json.loads(row["envelope"])["record"])
        files = photo_hashes(record)
        ack = record.acknowledgement
        signature = ack.signature if ack is not None else None
        thumbnails = {sha: self._file(sha, thumbnail=True) for sha in files if sha != signature}
        sheet = RecordSheet(
            record=record, digest=row["hash"], entity_name=task["entity"]["name"],
            entity_address=task["entity"].get("address", ""),
            item_names={i["code"]: i["name"] for i in task["items"]},
            item_basis={i["code"]: i.get("basis", "") for i in task["items"]},
            team={m["id"]: (m["name"], credential(m)) for m in task["team"]},
            signature=None if signature is None else self._file(signature, thumbnail=False),
            thumbnails={sha: data for sha, data in thumbnails.items() if data is not None},
            url=check_url(self.server_url, record.id, row["hash"]))
        return render_record_pdf(sheet, FONT_DIR)

    def _file(self, sha256: str, *, thumbnail: bool) -> bytes | None:
        try:
            return self.store.thumbnail(sha256) if thumbnail else self.store.photo(sha256)
        except KeyError:
            return None
