"""在地图中查看 opens a page the client can show (issue 24, point 7): a browser hands a ``geo:``
URI to nothing, so the web client opens OpenStreetMap (WGS 84, as every position here); a phone
keeps ``geo:`` for its map app."""

from __future__ import annotations

from typing import Any

from app.domain.coordinates import map_link, osm_url
from app.domain.review import place_check

LABEL = "检查地点：威海某某超市"


def test_the_web_client_opens_openstreetmap_and_a_phone_geo() -> None:
    web = map_link(37.5091, 122.1164, LABEL, web=True)
    assert web == "https://www.openstreetmap.org/?mlat=37.5091000&mlon=122.1164000#map=17/37.5091000/122.1164000"
    assert web == osm_url(37.5091, 122.1164)
    phone = map_link(37.5091, 122.1164, LABEL, web=False)
    assert phone.startswith("geo:37.5091000,122.1164000?q=37.5091000,122.1164000(")
    assert map_link(-33.9, -70.5, "x", web=True).startswith("https://www.openstreetmap.org/?mlat=-33.9000000&")


def _detail(location: dict[str, Any] | None) -> dict[str, Any]:
    return {"record": {"location": location},
            "entity": {"name": "威海某某超市", "address": "环翠区", "credit_code": "x", "lat": 37.51, "lon": 122.12}}


def test_the_review_chooses_by_where_it_runs() -> None:
    check = place_check(_detail({"lat": 37.5091, "lon": 122.1164, "accuracy_m": 12, "source": "device"}))
    assert check.map_link(web=True) == osm_url(37.5091, 122.1164)
    assert check.map_link(web=False) == check.map_uri and str(check.map_uri).startswith("geo:")
    nowhere = place_check(_detail(None))
    assert nowhere.map_link(web=True) is None and nowhere.map_link(web=False) is None
