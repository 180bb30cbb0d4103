"""``python -m tests.utils.clocked MOMENT ARGS…``: ``python -m server_stub ARGS…`` with its clock
pinned at MOMENT (ISO 8601 with an offset), for tests of what a later or earlier day sees."""

from __future__ import annotations

import datetime as dt
import sys

from server_stub.cli import main
from server_stub.core import clock

if __name__ == "__main__":
    clock.pin(dt.datetime.fromisoformat(sys.argv[1]))
    sys.argv = ["server_stub", *sys.argv[2:]]
    main()
