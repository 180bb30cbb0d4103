"""The platform names the 现场检查笔录 it sends after the enterprise and the day of the visit
(RFC 5987 ``filename*``, a plain ASCII ``filename`` before it), as the phones do (issue 24,
point 7: it was ``现场检查笔录_<uuid>.pdf``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from tests.server_stub.api.test_onsite_record import people, send_signed, tasks
from tests.utils.phone import Phone

__all__ = ["people", "tasks"]  # the fixtures, shared with the on-site record's tests


def test_the_pdf_is_named_after_the_enterprise_and_the_day(people: tuple[Phone, Phone],
                                                            tasks: Iterator[dict[str, Any]]) -> None:
    inspector, supervisor = people
    task = next(tasks)
    envelope, _ = send_signed(inspector, task)
    record = envelope["record"]
    day = dt.datetime.fromisoformat(record["started_at"]).astimezone(
        dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    expected = f"现场检查笔录_{task['entity']['name']}_{day}.pdf"
    for reader in (inspector, supervisor):
        paper = reader.client.get(f"/api/v1/records/{record['id']}/pdf")
        assert paper.status_code == 200, paper.text
        disposition = paper.headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="record-{day}.pdf"; ')
        encoded = disposition.split("filename*=UTF-8''", 1)[1]
        assert unquote(encoded) == expected and encoded.isascii() and "/" not in encoded
