"""The inspector's 笔录 PDF is saved as ``现场检查笔录_<企业名称>_<检查日期>.pdf`` (issue 24, point 7:
it was ``现场检查笔录_<uuid>.pdf``), the name the platform and the supervisor's download use."""

from __future__ import annotations

import asyncio

from app.services.inspections import InspectionService
from app.services.paper import PaperService
from app.services.photo_service import PhotoService
from app.store import LocalStore
from sync import Outcome
from sync.file_name import record_pdf_name
from tests.app.factories import make_task
from tests.app.test_viewmodels import acknowledged, answer_all, begin, model_parts, store

__all__ = ["model_parts", "store"]  # the fixtures, shared with the view-models' tests


def test_the_enterprises_copy_is_named_after_it_and_the_day(
        store: LocalStore, model_parts: tuple[InspectionService, PhotoService]) -> None:
    task = make_task()
    store.save_tasks([task], "t")
    model = begin(task, model_parts)
    answer_all(model)
    model.set_outcome(Outcome.NO_PROBLEM)
    acknowledged(model)
    record = asyncio.run(model.sign())
    name = PaperService(store, "https://zsc.example").file_name(task, record["id"])
    assert name == record_pdf_name(task["entity"]["name"], record["started_at"])
    assert name.startswith(f"现场检查笔录_{task['entity']['name']}_") and record["id"] not in name
