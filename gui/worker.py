"""Running blocking core calls off the GUI thread and getting their outcome back as data.

`run_in_background(job, on_result, on_error)` runs `job()` on Qt's global thread pool; its
return value or the exception it raised comes back through a signal, so the slots run on the
GUI thread. The owner connects the slots; the worker knows nothing of widgets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

logger = logging.getLogger(__name__)

__all__ = ["Job", "run_in_background"]


class _Signals(QObject):
    result = Signal(object)
    error = Signal(object)


class Job(QRunnable):
    """One call of a blocking function; emits `signals.result` or `signals.error`.

    `cancelled` is set by `cancel()`: the job cannot interrupt a blocking call, but its outcome
    is then dropped instead of delivered (the core call itself is bounded by its own deadline).
    """

    def __init__(self, function: Callable[[], Any]) -> None:
        super().__init__()
        self.function = function
        self.signals = _Signals()
        self.cancelled = threading.Event()
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            outcome = self.function()
        except Exception as error:  # handed to the GUI thread as data
            logger.debug("background job failed", exc_info=True)
            if self.cancelled.is_set():
                _running.discard(self)
            else:
                self.signals.error.emit(error)
            return
        if self.cancelled.is_set():
            _running.discard(self)
        else:
            self.signals.result.emit(outcome)

    def cancel(self) -> None:
        self.cancelled.set()


_running: set[Job] = set()


def run_in_background(
    function: Callable[[], Any],
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
) -> Job:
    """Start `function` on the thread pool; `on_result` or `on_error` runs on the GUI thread.

    Returns:
        The job, whose `cancel()` drops its outcome.
    """
    job = Job(function)
    _running.add(job)

    def finished_with(callback: Callable[[Any], None] | None) -> Callable[[Any], None]:
        def deliver(value: Any) -> None:
            _running.discard(job)
            # Break the job ↔ closure cycle now, on the GUI thread, so that the cycle
            # collector never frees Qt objects from a worker thread later.
            job.signals.result.disconnect()
            job.signals.error.disconnect()
            if callback is not None:
                callback(value)

        return deliver

    job.signals.result.connect(finished_with(on_result))
    job.signals.error.connect(finished_with(on_error))
    QThreadPool.globalInstance().start(job)
    return job
