"""The public pages' templates escape every value for where it lands."""

from __future__ import annotations

from server_stub.api.templates import render

HOSTILE = "a&b'\"<script>x</script>"


def test_a_search_is_escaped_in_the_field_and_quoted_in_the_links() -> None:
    page = render("results.html", rows=[], total=30, page=1, pages=2, q=HOSTILE).body.decode()
    assert "<script>" not in page
    assert 'value="a&amp;b&#39;&#34;&lt;script&gt;x&lt;/script&gt;"' in page
    assert "/results?page=2&amp;q=a%26b%27%22%3Cscript%3Ex%3C%2Fscript%3E" in page


def test_a_plan_id_is_quoted_in_its_link_and_names_are_text() -> None:
    plan = {"id": "P 1/x", "name": HOSTILE, "departments": ["<b>局</b>"], "commitment": "c",
            "drawn": False}
    page = render("plans.html", plans=[plan]).body.decode()
    assert 'href="/draws/P%201/x"' in page or 'href="/draws/P%201%2Fx"' in page
    assert "<script>" not in page and "&lt;b&gt;局&lt;/b&gt;" in page


def test_a_forged_codes_reason_is_text() -> None:
    answer = render("verify.html", status=400, payload=None, problem=HOSTILE)
    assert answer.status_code == 400 and "<script>" not in answer.body.decode()
