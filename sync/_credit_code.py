"""统一社会信用代码 (unified social credit code) per GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
position 1 registering authority, 2 entity type, 3–8 the registering authority's administrative
division code (six digits), 9–17 the entity identifier (organisation code, GB 11714), 18 the check
character: ``31 - (Σ value(cᵢ) × 3^(i-1) mod 31) mod 31``, written back in the same alphabet.
"""

from __future__ import annotations

from ._exceptions import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

FIELD = "credit_code"


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first seventeen characters (assumed valid)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_character(first8: str) -> str:
    """The GB 11714 check character of an eight-character organisation code body."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid credit code, in Chinese, naming the wrong character; or None."""
    if not isinstance(code, str) or not code:
        return "统一社会信用代码不能为空"
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实为{len(code)}位"
    for pos, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            hint = "（不得使用字母I、O、Z、S、V及小写字母）" if ch.isalpha() else ""
            return f"第{pos}位字符「{ch}」不是统一社会信用代码允许的字符{hint}"
    for pos in range(3, 9):
        if not code[pos - 1].isdigit():
            return f"第{pos}位字符「{code[pos - 1]}」应为数字（第3–8位是登记管理机关行政区划码）"
    expected = check_character(code[:17])
    if code[17] != expected:
        return (
            f"第18位校验码应为「{expected}」，实为「{code[17]}」"
            "（也可能是前17位中有字符录入错误）"
        )
    return None


def validate_credit_code(code: str) -> str:
    """Return ``code`` if it is a valid credit code; raise ``ValidationError`` saying why not."""
    problem = credit_code_problem(code)
    if problem is not None:
        raise ValidationError.single(FIELD, problem)
    return code


def make_credit_code(department: str, kind: str, region: str, org_body: str) -> str:
    """Build a valid credit code from its parts (used by the demo generator and tests).

    ``org_body`` is the eight-character organisation code body; its GB 11714 check character and
    the GB 32100 check character are computed here.
    """
    first17 = f"{department}{kind}{region}{org_body}{org_check_character(org_body)}"
    return first17 + check_character(first17)
