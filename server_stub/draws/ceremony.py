"""The draw's seed, from two parties in a fixed order (DESIGN §6). Pure: no I/O.

Nobody, the platform included, may choose the seed. So it is derived from three things fixed
one after the other, each published as it is fixed:

1. the platform's **secret**, drawn at random when the plan is created, whose commitment
   (``draws.commitment``) is published at once, together with the **entropy spec**: which public
   randomness the draw will use (dice rolled by named witnesses, and/or a public future value
   whose source and date are named now);
2. the **population**, frozen at the start of the draw: per stratum its size and a salted
   commitment (``draws.population_commitment``), summed up in one ``population commitment``;
3. the **entropy** itself, entered after the freeze: the dice digits and/or the public value.

``derive_seed`` hashes the three in a canonical form; consistent sampling then runs on that seed
string exactly as before. The platform learns the entropy last: by then the population and the
secret are published and can no longer be adjusted to steer the result, and the dice or the
lottery cannot be chosen by the platform at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785

DERIVATION = "zsc-seed/1"
"""The name of the seed derivation below; published with every draw."""

MIN_DICE_DIGITS = 20
"""At least 20 decimal digits (about 66 bits), as risk-limiting audits roll 20 ten-sided dice."""

MAX_DICE_DIGITS = 200
MAX_PUBLIC_VALUE = 500
MAX_WITNESS = 100

_DIGITS = re.compile(r"[0-9]+")


class CeremonyError(ValueError):
    """An input of the ceremony is not acceptable; the message says why, in Chinese."""


@dataclass(frozen=True)
class PublicValueSpec:
    """A public value nobody knows yet, named when the plan is created: where it will appear
    and on which day (e.g. a lottery's winning numbers of that day's drawing)."""

    source: str
    date: dt.date


@dataclass(frozen=True)
class EntropySpec:
    """Which public randomness a plan's draw will take: dice and/or a public future value."""

    dice_digits: int | None = MIN_DICE_DIGITS
    public_value: PublicValueSpec | None = None

    def __post_init__(self) -> None:
        if self.dice_digits is None and self.public_value is None:
            raise CeremonyError("抽取必须使用公开随机数：现场掷骰子和/或事先指定的公开未来数值，至少一种")
        if self.dice_digits is not None and not MIN_DICE_DIGITS <= self.dice_digits <= MAX_DICE_DIGITS:
            raise CeremonyError(f"骰子位数应在 {MIN_DICE_DIGITS} 到 {MAX_DICE_DIGITS} 之间")
        if self.public_value is not None and not self.public_value.source.strip():
            raise CeremonyError("公开未来数值须写明来源（如某彩票某期开奖号码）")

    def to_json(self) -> dict[str, Any]:
        value = self.public_value
        return {"dice_digits": self.dice_digits,
                "public_value": None if value is None else {"source": value.source,
                                                            "date": value.date.isoformat()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EntropySpec:
        value = data.get("public_value")
        return cls(dice_digits=data.get("dice_digits"),
                   public_value=None if value is None else PublicValueSpec(
                       str(value["source"]), dt.date.fromisoformat(value["date"])))


@dataclass(frozen=True)
class Entropy:
    """The public randomness as entered at the draw, and who witnessed it."""

    dice: str | None
    public_value: str | None
    witnesses: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"dice": self.dice, "public_value": self.public_value, "witnesses": list(self.witnesses)}


def check_entropy(spec: EntropySpec, *, dice: str | None, public_value: str | None,
                  witnesses: Sequence[str], today: dt.date) -> Entropy:
    """The entropy entered at a draw, checked against the plan's spec (``CeremonyError``).

    Dice: exactly the digits the plan named (at least 20), nothing but the digits 0–9, rolled
    before named witnesses (at least one, each with name and unit or ID as one line). A public
    value: not before the day the plan named, and not empty.
    """
    names = tuple(w.strip() for w in witnesses if w.strip())
    if any(len(w) > MAX_WITNESS for w in names):
        raise CeremonyError(f"见证人信息过长（每人不超过{MAX_WITNESS}个字符）")
    rolled: str | None = None
    if spec.dice_digits is not None:
        rolled = (dice or "").replace(" ", "")
        if not _DIGITS.fullmatch(rolled):
            raise CeremonyError("骰子点数只能是数字0–9（十面骰，每掷一次记一位）")
        if len(rolled) != spec.dice_digits:
            raise CeremonyError(f"本计划规定掷骰 {spec.dice_digits} 位，实际录入 {len(rolled)} 位")
        if not names:
            raise CeremonyError("请写明现场掷骰的见证人（姓名及单位或证件号）")
    elif dice:
        raise CeremonyError("本计划创建时未规定掷骰，不能录入骰子点数")
    value: str | None = None
    if spec.public_value is not None:
        if today < spec.public_value.date:
            raise CeremonyError(f"公开数值（{spec.public_value.source}）要到 "
                                f"{spec.public_value.date.isoformat()} 才公布，此前不能抽取")
        value = (public_value or "").strip()
        if not value or len(value) > MAX_PUBLIC_VALUE:
            raise CeremonyError(f"请录入{spec.public_value.source}"
                                f"（{spec.public_value.date.isoformat()}）公布的数值")
    elif public_value:
        raise CeremonyError("本计划创建时未指定公开未来数值，不能录入")
    return Entropy(rolled, value, names)


def population_set_commitment(strata: Sequence[Mapping[str, Any]]) -> str:
    """The one value that fixes a frozen population: lowercase hex SHA-256 of the RFC 8785
    canonical JSON of the public strata list (each ``{"stratum", "population", "ratio", "k",
    "population_commitment"}``, in their published order)."""
    public = [{key: s[key] for key in ("stratum", "population", "ratio", "k", "population_commitment")}
              for s in strata]
    return hashlib.sha256(rfc8785.dumps(public)).hexdigest()


def derive_seed(secret: str, population: str, entropy: Entropy) -> str:
    """The draw's seed string: lowercase hex SHA-256 of the RFC 8785 canonical JSON of
    ``{"derivation": "zsc-seed/1", "secret": …, "population": …, "dice": … | null,
    "public_value": … | null}`` (witnesses witness, they are not entropy)."""
    material = {"derivation": DERIVATION, "secret": secret, "population": population,
                "dice": entropy.dice, "public_value": entropy.public_value}
    return hashlib.sha256(rfc8785.dumps(material)).hexdigest()
