from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from server_stub.cli import cli
from server_stub.db import make_engine
from server_stub.queries import directory_counts


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def counts(data: Path) -> dict[str, int]:
    with make_engine(f"sqlite:///{data / 'zsc.db'}").begin() as conn:
        return directory_counts(conn)


def test_help_lists_every_command() -> None:
    result = invoke("--help")
    for command in ("serve", "seed-demo", "import", "export"):
        assert command in result.output


def test_seed_export_import_round_trip(tmp_path: Path) -> None:
    data, other = tmp_path / "a", tmp_path / "b"
    assert "检查对象 150 户" in invoke("seed-demo", "--data", str(data), "--entities", "150").output
    assert "未生成" in invoke("seed-demo", "--data", str(data), "--if-empty").output
    for kind in ("items", "entities", "inspectors"):
        path = tmp_path / f"{kind}.csv"
        assert invoke("export", kind, str(path), "--data", str(data)).exit_code == 0
        assert invoke("import", kind, str(path), "--data", str(other)).exit_code == 0
    assert counts(other) == counts(data)
    assert (tmp_path / "entities.csv").read_bytes() != b""
    invoke("export", "entities", str(tmp_path / "again.csv"), "--data", str(other))
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "entities.csv").read_bytes()


def test_import_with_errors_imports_nothing(tmp_path: Path) -> None:
    data = tmp_path / "d"
    invoke("seed-demo", "--data", str(data), "--entities", "50")
    before = counts(data)
    path = tmp_path / "entities.csv"
    invoke("export", "entities", str(path), "--data", str(tmp_path / "d"))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    fresh = [line.replace(line[:18], "91440300708461136T", 1) for line in lines[1:3]]
    broken = lines[5][:17] + ("0" if lines[5][17] != "0" else "1") + lines[5][18:]
    path.write_text("\n".join([lines[0], *fresh[:1], broken]) + "\n", encoding="utf-8-sig")
    result = CliRunner().invoke(cli, ["import", "entities", str(path), "--data", str(data)])
    assert result.exit_code == 1
    assert "第3行「统一社会信用代码」列：第18位校验码" in result.output
    assert counts(data) == before, "the valid first row must not have been imported either"
