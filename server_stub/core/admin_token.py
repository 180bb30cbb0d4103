"""The administrator's token: what a plan's creator or a draw's runner presents to the API.

``ZSC_ADMIN_TOKEN`` (read with the other settings, ``config``) sets it; otherwise it is made
once, at random (``new_token``), and kept in the data directory (``admin_token``, readable by
its owner only). ``python -m server_stub admin-token`` prints it; ``admin-token --new`` makes a
new one and puts it in the file instead (``rotate``). It opens the administrator's calls alone:
supervisors act through enrolled devices with the supervisor role, each under their own name.

The token opens plan creation and draws to anyone who can guess it, so a token from the
environment must be hard to guess, not only long: at least ``MIN_LENGTH`` characters and at least
``MIN_BITS`` bits of estimated entropy (``estimated_bits``), else the server and every command stop
at start with a Chinese message saying what is wrong with it and how to make a good one.

The estimate is zxcvbn's (Dropbox's password strength estimator, the Python port): the fewest
guesses an attacker needs who tries repeats (``aaaa``, ``abcabc``), sequences (``abcdef``,
``1234``), keyboard walks (``qwerty``, ``1qaz2wsx``), dates and years, and ~90,000 common passwords,
English words and names (also reversed and in l33t), and brute force for what is left. Brute force
is counted as 10 guesses a character whatever the alphabet, so it credits a random character with
log2(10) ≈ 3.3 bits: 128 bits take 39 random characters or more. ``new_token`` (43 URL-safe
characters, 256 random bits) always scores 137.8 to 142.8; 64 random hex digits score ~200. The
file's token is the platform's own making and is not estimated again.
"""

from __future__ import annotations

import functools
import math
import secrets
from pathlib import Path

from server_stub.core.secret_files import create_once, replace

FILE_NAME = "admin_token"
MIN_LENGTH = 32
MIN_BITS = 128
RANDOM_CHARACTERS_NEEDED = math.ceil(MIN_BITS / math.log2(10))
"""39: brute force is counted as 10 guesses a character (see above)."""
NAMED_SAVING_BITS = 16
"""A pattern is named in the refusal when it makes the token at least 2¹⁶ times easier to guess
than brute force would: a random token holds short dates and runs (``1203``, ``abc``) by chance,
and naming them would mislead."""
ESTIMATED_PREFIX = 128
"""zxcvbn's time grows with the square of the length (13 ms for 43 characters, 130 ms for 128,
0.5 s for 256): the estimate reads this many characters at most; what follows can only add."""

ADVICE = ("请运行 python -m server_stub admin-token --new 生成随机令牌（它同时存入数据目录，"
          "不设置此变量时平台就使用它），或取消此变量，由平台自动生成")

_REASONS = {
    "repeat": "含有重复的字符或片段（如 aaaa、abcabc）",
    "sequence": "含有连续的字符（如 abcd、1234）",
    "spatial": "含有键盘上相邻的按键（如 qwerty、1qaz2wsx）",
    "dictionary": "含有常用密码、英文单词或人名",
    "date": "含有日期",
    "regex": "含有年份",
}


def new_token() -> str:
    """A fresh random token: 43 URL-safe characters (256 bits), always above ``MIN_BITS``."""
    while True:  # 2,000 of them scored 137.8 at least: this loop has never run twice
        token = secrets.token_urlsafe(32)
        if estimated_bits(token) >= MIN_BITS:
            return token


@functools.lru_cache(maxsize=16)
def _estimate(token: str) -> tuple[float, tuple[str, ...]]:
    """The estimated bits, and the kinds of pattern that cost the token ``NAMED_SAVING_BITS``."""
    from zxcvbn import zxcvbn  # ~50 ms to import: only when a token is estimated

    prefix = token[:ESTIMATED_PREFIX]
    result = zxcvbn(prefix, max_length=len(prefix))
    bits = float(result["guesses_log10"]) * math.log2(10)
    patterns = tuple(dict.fromkeys(
        m["pattern"] for m in result["sequence"]
        if (len(m["token"]) - float(m["guesses_log10"])) * math.log2(10) >= NAMED_SAVING_BITS))
    return bits, patterns


def estimated_bits(token: str) -> float:
    """The token's estimated entropy in bits: log2 of zxcvbn's guesses (see the module's doc)."""
    return _estimate(token)[0]


def weakness(token: str) -> str | None:
    """Why ``token`` is too easy to guess, in Chinese; None when it is long and random enough."""
    if len(token) < MIN_LENGTH:
        return (f"太短（{len(token)} 个字符）：管理员令牌至少 {MIN_LENGTH} 个字符，"
                f"且须足够随机（至少 {MIN_BITS} 比特）")
    bits, patterns = _estimate(token)
    if bits >= MIN_BITS:
        return None
    reasons = [_REASONS[p] for p in patterns if p in _REASONS]
    if len(token) < RANDOM_CHARACTERS_NEEDED:
        reasons.append(f"只有 {len(token)} 个字符（随机字符也至少需要 {RANDOM_CHARACTERS_NEEDED} 个）")
    reasons = reasons or [f"随机的部分太短（至少需要 {RANDOM_CHARACTERS_NEEDED} 个随机字符）"]
    return f"太容易猜到（估计约 {bits:.0f} 比特，至少需要 {MIN_BITS} 比特）：{'，'.join(reasons)}"


def with_advice(problem: str) -> str:
    """The refusal of a guessable ``ZSC_ADMIN_TOKEN``: what is wrong, then what to run."""
    return f"{problem}。{ADVICE}"


def admin_token(data_dir: Path, configured: str | None = None) -> str:
    """The administrator token for the server whose data lives in ``data_dir``: ``configured``
    (``ZSC_ADMIN_TOKEN``, checked with the settings) when set, else the data directory's."""
    if configured:
        return configured
    made = create_once(data_dir / FILE_NAME, lambda: new_token().encode())
    return made.decode().strip()


def rotate(data_dir: Path) -> str:
    """A new token in the data directory's file, replacing the one there (``admin-token --new``).
    Servers already running keep the old one until they restart; ``ZSC_ADMIN_TOKEN``, when set,
    still comes before the file."""
    token = new_token()
    replace(data_dir / FILE_NAME, token.encode())
    return token
