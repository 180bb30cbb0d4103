"""An error answer is read one way by the engine and the app (issue 25 point 4)."""

from __future__ import annotations

import httpx
import pytest

from sync import PlatformRefusal, platform_refusal


def answer(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, **kwargs)  # type: ignore[arg-type]


def test_the_platforms_error_shape_is_read() -> None:
    body = {"error": {"code": "not_on_team", "message": "本设备的执法检查人员不在该任务的检查组中"}}
    assert platform_refusal(answer(403, json=body)) == PlatformRefusal(
        403, "not_on_team", "本设备的执法检查人员不在该任务的检查组中")


@pytest.mark.parametrize("kwargs", [
    {"text": "<html>502 Bad Gateway</html>"}, {"json": {"error": "boom"}}, {"json": [1, 2]},
    {"json": {"error": {"code": "x"}}}, {"content": b"\xff\xfe"},
])
def test_anything_else_still_says_something_in_chinese(kwargs: dict[str, object]) -> None:
    refusal = platform_refusal(answer(502, **kwargs))
    assert refusal.code == "" and refusal.message == "平台返回错误（HTTP 502）"
