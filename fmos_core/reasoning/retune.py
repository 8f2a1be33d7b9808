"""Re-tuning a VFM's reasoning policy in the background while it serves.

With ``[vfms.X.reasoning] retune_every = N``, every N-th ``"auto"`` call asks for a
re-tune: a thread runs ``FMOS.tune_reasoning`` (read the scored traces, write the next
policy version, use it). One run per VFM at a time; a request while one runs is
dropped — the next trigger catches up. ``wait`` joins the runs (``FMOS.flush``).

Example:
    >>> tuned = []
    >>> retuner = Retuner(tuned.append)
    >>> retuner.request("default"); retuner.wait()
    >>> tuned
    ['default']
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

_log = logging.getLogger("fmos_core.reasoning")


class Retuner:
    """Runs ``tune(vfm)`` on a background thread per request, one per VFM at a time."""

    def __init__(self, tune: Callable[[str], object]) -> None:
        self._tune = tune
        self._lock = threading.Lock()
        self._runs: dict[str, threading.Thread] = {}

    def request(self, vfm: str) -> None:
        """Start a re-tune of ``vfm`` unless one is under way."""
        with self._lock:
            running = self._runs.get(vfm)
            if running is not None and running.is_alive():
                return
            run = threading.Thread(
                target=self._run, args=(vfm,), name=f"fmos-retune-{vfm}", daemon=True
            )
            self._runs[vfm] = run
            run.start()

    def wait(self) -> None:
        """Wait for every re-tune under way (not for the calling one's own)."""
        with self._lock:
            runs = list(self._runs.values())
        me = threading.current_thread()
        for run in runs:
            if run is not me:
                run.join()

    def _run(self, vfm: str) -> None:
        try:
            self._tune(vfm)
        except Exception:  # a failed re-tune keeps the policy in use; serving goes on
            _log.exception("re-tuning the reasoning level of VFM %r failed", vfm)
