from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..services.supervisor import PlatformError


class Observable:
    """Calls its listeners after every change (the view re-renders from the model's state)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def changed(self) -> None:
        for listener in list(self._listeners):
            listener()


class RemoteModel(Observable):
    """A view-model that reads the platform: ``loading`` while a read runs, ``error`` (Chinese,
    from the platform or the network) when it failed, listeners told before and after."""

    def __init__(self) -> None:
        super().__init__()
        self.loading = False
        self.error: str | None = None

    async def fetching(self, read: Callable[[], Awaitable[None]]) -> None:
        self.loading, self.error = True, None
        self.changed()
        try:
            await read()
        except PlatformError as e:
            self.error = str(e)
        finally:
            self.loading = False
        self.changed()
