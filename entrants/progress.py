"""A progress line for long management commands (demo data, rate fetches)."""

import time


class ProgressBar:
    """One line per stage with its count and rows per second, redrawn in place on a terminal
    (at most ten times a second); elsewhere only the finished line is written."""

    WIDTH = 24

    def __init__(self, stream, label, total, live):
        self.stream, self.label, self.total, self.live = stream, label, total, live
        self.done = 0
        self.started = self.drawn = time.monotonic()

    def line(self):
        elapsed = max(time.monotonic() - self.started, 1e-6)
        filled = self.WIDTH * self.done // max(self.total, 1)
        bar = "█" * filled + "·" * (self.WIDTH - filled)
        return (
            f"{self.label:<15} [{bar}] {self.done:>9,}/{self.total:,}  "
            f"{self.done / elapsed:>9,.0f} rows/s  {elapsed:6.1f} s"
        )

    def advance(self, count):
        self.done += count
        now = time.monotonic()
        if self.live and now - self.drawn >= 0.1:
            self.drawn = now
            self.stream.write(f"\r{self.line()}", ending="")
            self.stream.flush()

    def close(self):
        self.stream.write(f"\r{self.line()}" if self.live else self.line())
