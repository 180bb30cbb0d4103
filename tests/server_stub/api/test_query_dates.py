"""Query dates must be dates (issue 11 point 10f): anything else is a 400 with the error shape."""

from __future__ import annotations

import pytest

from tests.conftest import Server
from tests.server_stub.api.test_review import enrol_people
from tests.utils.phone import Phone

NOT_DATES = ["2026-13-01", "2026-02-30", "明天", "2026-1-1", "20260101", "0", "86400", "-1",
             "1e400", "2026-01-01T00:00:00", "2026-01-01Z", "99999-01-01", "0000-01-01", "", "9" * 5000]
PATHS = ["/api/v1/stats/dashboard", "/api/v1/stats/export", "/api/v1/review/export",
         "/api/v1/department/audit"]


@pytest.fixture(scope="module")
def supervisor(shared_app_server: Server) -> Phone:
    return enrol_people(shared_app_server)[1]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", ["start", "end"])
def test_a_query_date_that_is_not_a_date_is_a_400(supervisor: Phone, path: str, name: str) -> None:
    with supervisor.client as client:
        for value in NOT_DATES:
            answer = client.get(path, params={name: value})
            assert answer.status_code == 400, (value, answer.text)
            assert answer.json()["error"]["code"] == "bad_request"
            assert name in answer.json()["error"]["message"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("start", "end"), [("2026-01-01", "2026-12-31"), ("0001-01-01", "9999-12-31"),
                                            ("9999-12-31", "0001-01-01"), ("2028-02-29", "2028-02-29")])
def test_every_real_date_answers(supervisor: Phone, path: str, start: str, end: str) -> None:
    answer = supervisor.client.get(path, params={"start": start, "end": end})
    assert answer.status_code == 200, answer.text
