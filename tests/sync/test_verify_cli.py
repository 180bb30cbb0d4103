"""The command lines take any key (issue 25 follow-up): a base64url key starts with "-" one time
in 64, and ``--key -6_KQ…`` must not be read as an option (it once failed six tests of a CI run
whose platform key happened to start so; a witness's key starting so failed another)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sync import generate_key, public_key_b64, witness
from sync.verify import BAD_INPUT, NOT_VERIFIED, main


def key_starting_with_a_dash() -> str:
    for _ in itertools.count():
        key = public_key_b64(generate_key())
        if key.startswith("-"):
            return key
    raise AssertionError("unreachable")


@pytest.mark.parametrize("option", ["--key", "--witness"])
def test_a_key_starting_with_a_dash_is_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              option: str) -> None:
    receipt = tmp_path / "receipt.json"
    receipt.write_text("{}", encoding="utf-8")
    keys = {"--key": public_key_b64(generate_key()), option: key_starting_with_a_dash()}
    status = main(["result", str(receipt), *itertools.chain.from_iterable(keys.items())])
    err = capsys.readouterr().err
    assert "expected one argument" not in err and status in (NOT_VERIFIED, BAD_INPUT), err
    assert option not in err or "参数错误" not in err


def test_a_witness_takes_a_platform_key_starting_with_a_dash(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    made = witness.main(["key", "--state", str(tmp_path / "state")])
    assert made == 0
    capsys.readouterr()
    key = key_starting_with_a_dash()
    status = witness.main(["init", "--state", str(tmp_path / "state"), "--url", "http://127.0.0.1:9",
                           "--platform-key", key])
    assert status == 0, capsys.readouterr().err
    assert any(key.encode() in f.read_bytes() for f in (tmp_path / "state").iterdir() if f.is_file())


def test_a_missing_key_value_is_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["result", "receipt.json", "--key"])
    assert "--key" in capsys.readouterr().err
