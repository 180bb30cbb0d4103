"""Where the inspection happens: the platform's geolocation through ``flet-geolocator``.

In the web client the browser's geolocation answers (the phone's GPS when the page is opened on
a phone); elsewhere the operating system's. When none answers, the form offers typed
coordinates or none, and the record says which (``LocationSource``).
"""

from __future__ import annotations

import asyncio

import flet_geolocator as ftg

from sync import Location, LocationSource

from .. import strings as s

TIMEOUT_SECONDS = 20


class LocationUnavailable(Exception):
    """No position; ``str(error)`` is a Chinese message with what to do instead."""


class LocationService:
    def __init__(self, geolocator: ftg.Geolocator) -> None:
        self.geolocator = geolocator

    async def current(self) -> Location:
        try:
            permission = await self.geolocator.request_permission()
            if permission in (ftg.GeolocatorPermissionStatus.DENIED,
                              ftg.GeolocatorPermissionStatus.DENIED_FOREVER):
                raise LocationUnavailable(s.LOCATION_UNAVAILABLE.format(reason=s.LOCATION_DENIED))
            position = await asyncio.wait_for(self.geolocator.get_current_position(),
                                              TIMEOUT_SECONDS)
        except LocationUnavailable:
            raise
        except Exception as e:
            reason = str(e).strip() or type(e).__name__
            raise LocationUnavailable(s.LOCATION_UNAVAILABLE.format(reason=reason[:60])) from e
        if position.latitude is None or position.longitude is None or position.accuracy is None:
            # A device position without its accuracy cannot be weighed as evidence.
            raise LocationUnavailable(s.LOCATION_UNAVAILABLE.format(reason="—"))
        return Location(lat=float(position.latitude), lon=float(position.longitude),
                        accuracy_m=float(position.accuracy), source=LocationSource.DEVICE)
