"""Logging filters (used in ``settings.LOGGING``)."""

import logging
import threading
import time


class OncePerInterval(logging.Filter):
    """Let through the first record of each message per ``seconds``, noting how many like it
    were held back meanwhile: a cache that fails on every request is logged once a minute, not
    twice a request."""

    def __init__(self, seconds=60):
        super().__init__()
        self.seconds = seconds
        self.seen = {}  # (logger, message) -> (when last let through, held back since)
        self.lock = threading.Lock()

    def filter(self, record):
        key = (record.name, record.msg)
        now = time.monotonic()
        with self.lock:
            last, held = self.seen.get(key, (None, 0))
            if last is not None and now - last < self.seconds:
                self.seen[key] = (last, held + 1)
                return False
            self.seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the {self.seconds} s before)"
        return True
