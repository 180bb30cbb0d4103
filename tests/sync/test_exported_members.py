import sync


def test_exported_members() -> None:
    assert sync.__all__ == sorted(sync.__all__)
    assert all(hasattr(sync, name) for name in sync.__all__)
    assert set(sync.__all__) == {
        "MIN_TEAM_SIZE", "Entity", "EntityStatus", "InspectionItem", "InspectionMethod", "Inspector",
        "ItemResult", "Outcome", "Plan", "Problem", "RiskGrade", "SyncError", "Task",
        "ValidationError", "ZscError", "check_character", "credit_code_problem", "make_credit_code",
        "parse_ratio", "validate_credit_code",
    }


def test_sync_imports_neither_side() -> None:
    import pathlib
    import re

    for path in pathlib.Path(sync.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(app|server_stub)\b", text, re.M), path
