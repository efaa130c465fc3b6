"""Background work after the 3-second ack: tracked tasks, a worker pool for the synchronous agent, and
one-at-a-time per conversation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_DONE = object()


class Background:
    """Tasks started after acking. Kept so they are not garbage-collected, can be awaited by tests and
    drained on shutdown, and so their failures are logged instead of vanishing."""

    def __init__(self, max_workers: int = 4):
        self._tasks: set[asyncio.Task[Any]] = set()
        # The agent runs here, not in the default executor, so quick database calls on the ack path
        # never queue behind long model turns.
        self.pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="slack-turn")
        self._locks: dict[str, asyncio.Lock] = {}

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack background task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until no task is left (tasks may start others)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks:
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"{len(self._tasks)} Slack task(s) still running after {timeout}s")
            await asyncio.wait(set(self._tasks), timeout=left)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=5)
        self.pool.shutdown(wait=False, cancel_futures=True)

    def lock(self, key: str) -> asyncio.Lock:
        """In-process queue of turns per conversation, in front of the runner's lease (agent.turns)."""
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > 10_000:  # forget idle locks
                for k in [k for k, v in self._locks.items() if not v.locked()]:
                    del self._locks[k]
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking call in the worker pool."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, lambda: fn(*args))

    async def iterate(self, make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
        """Drive a blocking generator in the worker pool, yielding its items on the event loop."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def work() -> None:
            try:
                for item in make():
                    loop.call_soon_threadsafe(queue.put_nowait, item)
            except BaseException as exc:  # handed to the consumer, raised there
                loop.call_soon_threadsafe(queue.put_nowait, _Failure(exc))
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        worker = loop.run_in_executor(self.pool, work)
        try:
            while True:
                item = await queue.get()
                if item is _DONE:
                    break
                if isinstance(item, _Failure):
                    raise item.exc
                yield item
        finally:
            await worker


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc
