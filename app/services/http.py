"""What every call to the platform shares."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for the app's life. httpx builds a new one for each client it opens,
    loading the whole CA bundle each time: ~50 ms of CPU per sync round and per supervisor
    request, on the screen's thread for the latter (seen with py-spy at the app's start)."""
    return httpx.create_ssl_context()
