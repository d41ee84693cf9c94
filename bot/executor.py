"""The thread pool Bolt runs listeners on after the ack, able to say when it is idle.

Shutdown waits for it so work acknowledged to Slack is finished, and tests and the demo wait
for it so they see what the bot did after answering.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future, ThreadPoolExecutor


class TrackedExecutor(ThreadPoolExecutor):
    """Each task also runs in its submitter's contextvars, so the request id follows it.

    Enough threads that acks never queue behind slow work: with process_before_response
    off, a request is acknowledged by its listener running here, and work after the ack
    may wait seconds for a Web API retry (429 Retry-After).
    """

    def __init__(self, max_workers: int = 32):
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._idle:
            self._busy += 1
        future = super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future) -> None:
        with self._idle:
            self._busy -= 1
            if self._busy == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no listener work is running or queued; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout=timeout)
