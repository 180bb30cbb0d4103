"""The seed's derivation and the checks on what is entered at a draw (server_stub/ceremony.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from consistent_sampler import sampler

from server_stub.draws.ceremony import (
    CeremonyError,
    Entropy,
    EntropySpec,
    PublicValueSpec,
    check_entropy,
    derive_seed,
    population_set_commitment,
)
from server_stub.draws.sampling import consistent_sample

SECRET = "00112233445566778899aabbccddeeff"
DICE = "31415926535897932384"
TODAY = dt.date(2026, 12, 1)

# The test vector of docs/decisions.md ("The seed from two parties").
VECTOR_SEED = "27eab8963d7c817ba865acd878a0f893fe0aeeae3f8e1d61b5a2747d0c39719e"


def test_the_documented_vector() -> None:
    entropy = Entropy(DICE, None, ("张三（威海市公证处）",))
    assert derive_seed(SECRET, "a" * 64, entropy) == VECTOR_SEED


def test_the_derivation_is_sha256_of_sorted_compact_json() -> None:
    """Recomputed without rfc8785: for ASCII values JCS is sorted keys, no whitespace."""
    material = {"derivation": "zsc-seed/1", "secret": SECRET, "population": "a" * 64,
                "dice": DICE, "public_value": "03 07 12 19 25 31 + 09"}
    text = json.dumps(material, sort_keys=True, separators=(",", ":"))
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert derive_seed(SECRET, "a" * 64, Entropy(DICE, "03 07 12 19 25 31 + 09", ())) == expected


def test_every_input_moves_the_seed_and_witnesses_do_not() -> None:
    base = derive_seed(SECRET, "a" * 64, Entropy(DICE, None, ("甲",)))
    assert base == derive_seed(SECRET, "a" * 64, Entropy(DICE, None, ("乙",)))
    for other in (derive_seed("f" * 32, "a" * 64, Entropy(DICE, None, ())),
                  derive_seed(SECRET, "b" * 64, Entropy(DICE, None, ())),
                  derive_seed(SECRET, "a" * 64, Entropy(DICE[:-1] + "5", None, ())),
                  derive_seed(SECRET, "a" * 64, Entropy(DICE, "1", ()))):
        assert other != base


def test_the_reference_sampler_agrees_on_the_derived_seed() -> None:
    ids = [f"91371000MA{n:08d}" for n in range(300)]
    assert consistent_sample(ids, VECTOR_SEED, 7) == list(
        sampler(ids, seed=VECTOR_SEED, take=7, output="id"))


def test_the_population_commitment_covers_every_public_field() -> None:
    stratum = {"stratum": 1, "population": 3, "ratio": "10", "k": 1, "population_commitment": "b" * 64}
    value = population_set_commitment([stratum])
    assert value == "818be594e4558fe82323040b8279c4ee6c0690b262a5ae5bb32f5185c151e04f"
    for key, changed in (("population", 4), ("ratio", "11"), ("k", 2), ("population_commitment", "c" * 64),
                         ("stratum", 2)):
        assert population_set_commitment([{**stratum, key: changed}]) != value


@pytest.mark.parametrize(("dice", "words"), [
    ("3141592653589793238", "实际录入 19 位"),
    ("314159265358979323846", "实际录入 21 位"),
    ("3141592653589793238a", "只能是数字"),
    ("３１４１５９２６５３５８９７９３２３８４", "只能是数字"),  # full-width digits
    ("-1415926535897932384", "只能是数字"),
    ("", "只能是数字"),
    (None, "只能是数字"),
])
def test_dice_are_exactly_the_named_number_of_digits(dice: str | None, words: str) -> None:
    with pytest.raises(CeremonyError, match=words):
        check_entropy(EntropySpec(), dice=dice, public_value=None, witnesses=("甲",), today=TODAY)


def test_dice_need_witnesses_and_may_be_spaced() -> None:
    with pytest.raises(CeremonyError, match="见证人"):
        check_entropy(EntropySpec(), dice=DICE, public_value=None, witnesses=("  ",), today=TODAY)
    entered = check_entropy(EntropySpec(), dice="31415 92653 58979 32384", public_value=None,
                            witnesses=(" 张三（威海市公证处） ",), today=TODAY)
    assert entered == Entropy(DICE, None, ("张三（威海市公证处）",))


def test_a_public_value_waits_for_its_day_and_is_the_only_entropy_asked() -> None:
    spec = EntropySpec(dice_digits=None, public_value=PublicValueSpec("双色球开奖号码", TODAY))
    with pytest.raises(CeremonyError, match="才公布"):
        check_entropy(spec, dice=None, public_value="1", witnesses=(), today=TODAY - dt.timedelta(days=1))
    with pytest.raises(CeremonyError, match="未规定掷骰"):
        check_entropy(spec, dice=DICE, public_value="1", witnesses=(), today=TODAY)
    with pytest.raises(CeremonyError, match="请录入双色球开奖号码"):
        check_entropy(spec, dice=None, public_value="  ", witnesses=(), today=TODAY)
    assert check_entropy(spec, dice=None, public_value=" 03 07 ", witnesses=(), today=TODAY) == Entropy(
        None, "03 07", ())
    with pytest.raises(CeremonyError, match="未指定公开未来数值"):
        check_entropy(EntropySpec(), dice=DICE, public_value="x", witnesses=("甲",), today=TODAY)


@pytest.mark.parametrize(("digits", "value"), [(None, None), (19, None), (201, None)])
def test_a_spec_takes_some_public_randomness(digits: int | None, value: PublicValueSpec | None) -> None:
    with pytest.raises(CeremonyError):
        EntropySpec(dice_digits=digits, public_value=value)


def test_a_spec_round_trips() -> None:
    spec = EntropySpec(24, PublicValueSpec("双色球开奖号码", TODAY))
    assert EntropySpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
