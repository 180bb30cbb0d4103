"""The names under the dashboard's bars, short enough for a 390-pixel phone (issue 24, point 7:
the bars were numbered 1, 2… and named only in the legend).

Each bar gets the width of the chart divided by the number of bars, and its name two lines of
that width. A name is first shortened as people shorten it (the national industry sections'
usual short names, 经开区/高新区 for development zones, a plan's year and 双随机 dropped), then,
if still too long, loses the first characters it shares with another bar's name (威海临港经开区
beside 威海经开区 reads 临港经开区) and is cut with …. The legend under the chart keeps every
full name."""

from __future__ import annotations

import re
from collections.abc import Sequence

PHONE_BARS_PX = 290
"""The bars' width on a 390-pixel phone: the screen less the view's and the card's padding
(2 × 14 + 2 × 16) and the percent axis (40)."""
CHAR_PX = 12
"""A Chinese character at the labels' 12-pixel size."""
LINES = 2

INDUSTRY_SHORT = {
    # GB/T 4754-2017 门类 and the short names statistics yearbooks use
    "农、林、牧、渔业": "农林牧渔",
    "采矿业": "采矿",
    "制造业": "制造",
    "电力、热力、燃气及水生产和供应业": "电热燃水",
    "建筑业": "建筑",
    "批发和零售业": "批发零售",
    "交通运输、仓储和邮政业": "交通运输",
    "住宿和餐饮业": "住宿餐饮",
    "信息传输、软件和信息技术服务业": "信息技术",
    "金融业": "金融",
    "房地产业": "房地产",
    "租赁和商务服务业": "租赁商务",
    "科学研究和技术服务业": "科研技术",
    "水利、环境和公共设施管理业": "水利环境",
    "居民服务、修理和其他服务业": "居民服务",
    "教育": "教育",
    "卫生和社会工作": "卫生",
    "文化、体育和娱乐业": "文体娱乐",
    "公共管理、社会保障和社会组织": "公共管理",
    "国际组织": "国际组织",
}
_ABBREVIATIONS = (
    ("高新技术产业开发区", "高新区"),
    ("高技术产业开发区", "高新区"),
    ("经济技术开发区", "经开区"),
    ("经济开发区", "经开区"),
)
_YEAR = re.compile(r"^\d{4}\s*年度?")
_DOUBLE_RANDOM = re.compile(r"[“”\"'‘’「」]?双随机[“”\"'‘’「」]?")


def short_name(name: str) -> str:
    """The name as people shorten it; the name itself when nothing applies."""
    text = name.strip()
    if text in INDUSTRY_SHORT:
        return INDUSTRY_SHORT[text]
    text = _DOUBLE_RANDOM.sub("", _YEAR.sub("", text))
    for long, short in _ABBREVIATIONS:
        text = text.replace(long, short)
    return text.strip() or name.strip()


def _shared_prefix(text: str, others: Sequence[str]) -> int:
    best = 0
    for other in others:
        n = 0
        while n < min(len(text), len(other)) and text[n] == other[n]:
            n += 1
        best = max(best, n)
    return best


def _cut(text: str, budget: int) -> str:
    return text if len(text) <= budget else text[:max(budget - 1, 1)] + "…"


def _wrap(text: str, per_line: int) -> str:
    return "\n".join(text[i:i + per_line] for i in range(0, len(text), per_line))


def bar_labels(names: Sequence[str], width_px: float = PHONE_BARS_PX) -> list[str]:
    """One label per bar, in order: at most two lines (``\\n`` between them) of what fits in
    its share of ``width_px``; two bars never share a label that their names do not."""
    if not names:
        return []
    per_line = max(1, int(width_px / len(names)) // CHAR_PX)
    budget = per_line * LINES
    shorts = [short_name(n) for n in names]
    fitted = []
    for i, text in enumerate(shorts):
        if len(text) > budget:
            shared = _shared_prefix(text, [o for j, o in enumerate(shorts) if j != i and o != text])
            if shared >= 2 and len(text) - shared >= 2:
                text = text[shared:]
        fitted.append(_cut(text, budget))
    # shortening must not make two different names one: those keep their names, cut
    merged = [i for i, label in enumerate(fitted)
              if any(label == other and names[i] != names[j] for j, other in enumerate(fitted) if j != i)]
    for i in merged:
        fitted[i] = _cut(names[i].strip(), budget)
    return [_wrap(label, per_line) for label in fitted]
