from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import (
    ValidationError,
    check_character,
    credit_code_problem,
    make_credit_code,
    validate_credit_code,
)
from sync._credit_code import ALPHABET

# Published codes of well-known enterprises (printed on their business licences).
REAL_CODES = ["91440300708461136T", "914403001922038216", "91330100716105852F", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None
    assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("", "不能为空"),
        ("91440300708461136", "应为18位，实为17位"),
        ("91440300708461136TX", "应为18位，实为19位"),
        ("9144030070846I136T", "第14位字符「I」不是"),
        ("91440300708461136t", "第18位字符「t」不是"),
        ("9144030070846O136T", "第14位字符「O」"),
        ("914A0300708461136T", "第4位字符「A」应为数字"),
        ("91440300708461136U", "第18位校验码应为「T」，实为「U」"),
        ("91440300708461137T", "第18位校验码应为"),
    ],
)
def test_invalid_codes_say_which_character(code: str, expected: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None and expected in problem
    with pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert info.value.problems[0].field == "credit_code"
    assert expected in info.value.problems[0].message


org_bodies = st.text(alphabet="0123456789", min_size=8, max_size=8)
regions = st.text(alphabet="0123456789", min_size=6, max_size=6)


@given(body=org_bodies, region=regions, kind=st.sampled_from("123"))
def test_made_codes_are_valid(body: str, region: str, kind: str) -> None:
    assert credit_code_problem(make_credit_code("9", kind, region, body)) is None


@given(body=org_bodies, region=regions, pos=st.integers(0, 16), new=st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(body: str, region: str, pos: int, new: str) -> None:
    code = make_credit_code("9", "1", region, body)
    changed = code[:pos] + new + code[pos + 1 :]
    if changed != code:
        assert credit_code_problem(changed) is not None


def test_check_character_matches_worked_example() -> None:
    # GB 32100-2015 weights 3^i mod 31; 91440300708461136 → T
    assert check_character("91440300708461136") == "T"
