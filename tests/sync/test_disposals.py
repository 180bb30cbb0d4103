"""The table of endings (issue 27 point 3): what each disposal must name, and its public words."""

from __future__ import annotations

import pytest

from sync import DETAIL_LABELS, Disposal, disposal_problem


def test_every_disposal_has_public_words_and_names_at_most_one_detail() -> None:
    assert len({d.public_result for d in Disposal}) == len(Disposal) - 1, "only 纪检 shares 其他's words"
    assert Disposal.DISCIPLINE.public_result == Disposal.OTHER.public_result
    assert Disposal.DISCIPLINE.public_name == "其他" and Disposal.JUDICIARY.public_name == "移送司法机关"
    assert {d.detail for d in Disposal} == {None, *DETAIL_LABELS}


@pytest.mark.parametrize(("disposal", "details", "problem"), [
    ("罚款", {}, "处置方式应为"),
    ("立案", {}, "“立案”须填写案件编号"),
    ("立案", {"case_no": "威市监立〔2026〕18号", "counterpart": "某局"}, "“立案”不填写接收部门（机关）"),
    ("抄告相关部门", {"counterpart": " "}, "须填写接收部门（机关）"),
    ("不予行政处罚", {"list_entry": "x" * 101}, "不能超过100个字符"),
    ("立案", {"case_no": "威市监立〔2026〕18号"}, None),
    ("其他", {}, None),
])
def test_each_disposal_names_what_it_must(disposal: str, details: dict[str, str], problem: str | None) -> None:
    found = disposal_problem(disposal, details)
    assert (found is None) if problem is None else (found is not None and problem in found)
