"""Sync façades over the async core.

A sync call from a thread with no running event loop runs on that thread's own
FMOS loop (kept between calls, so there is no thread hop and no loop start-up);
from a thread that already runs a loop (a notebook, an async server) it runs on
one FMOS loop in a background thread. Drivers therefore must not tie themselves
to one loop; the OpenAI driver keeps one HTTP client per loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class SyncBridge:
    """Runs coroutines for sync callers; ``close`` shuts every loop it made."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()
        self._background: _LoopThread | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` to completion and return its result."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._thread_loop().run_until_complete(coro)
        return self._background_loop().run(coro)

    def iterate(self, agen: AsyncIterator[T]) -> Iterator[T]:
        """Drive an async iterator from sync code, closing it if the caller stops early."""
        try:
            while True:
                try:
                    yield self.run(agen.__anext__())  # type: ignore[arg-type]
                except StopAsyncIteration:
                    return
        finally:
            aclose = getattr(agen, "aclose", None)
            if aclose is not None:
                self.run(aclose())

    def loops(self) -> list[asyncio.AbstractEventLoop]:
        """Every loop this bridge made that is still open."""
        with self._lock:
            return [loop for loop in self._loops if not loop.is_closed()]

    def _thread_loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = asyncio.new_event_loop()
            self._local.loop = loop
            with self._lock:
                self._loops.append(loop)
        return loop

    def _background_loop(self) -> _LoopThread:
        with self._lock:
            if self._background is None:
                self._background = _LoopThread()
            return self._background

    def close(self) -> None:
        """Close every loop (call from a thread that is not running one of them)."""
        with self._lock:
            loops, self._loops = self._loops, []
            background, self._background = self._background, None
        if background is not None:
            background.close()
        for loop in loops:
            if not loop.is_closed() and not loop.is_running():
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()


class _LoopThread:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fmos-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a sync FMOS method was called from FMOS's own loop; await it")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        async def finish() -> None:
            await self.loop.shutdown_default_executor()

        asyncio.run_coroutine_threadsafe(finish(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()
