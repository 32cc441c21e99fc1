"""Progress on the terminal for the steps that can take more than a few seconds (the solve of a
run, sweep points, comparing and exporting run folders, reproducing a run), with tqdm.

Shown on standard error only when it is a terminal and the command is not ``--quiet``: a log
file, a pipe or a test sees nothing of it, and the results are the same either way.
"""
from __future__ import annotations

import shutil
import sys
import threading
from contextlib import contextmanager


def shown(quiet: bool = False, stream=None) -> bool:
    """Whether progress is shown: not ``quiet`` and standard error is a terminal."""
    stream = stream or sys.stderr
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


def bar(iterable, desc: str, quiet: bool = False, total: int | None = None, unit: str = "step"):
    """``iterable`` with a progress bar (items done of the total, elapsed and remaining time), or,
    with ``iterable`` None, a bar moved by hand (``.n``, ``.refresh()``, ``.close()``). When no bar
    is shown the same interface draws nothing and tqdm (with the importlib.metadata it brings) is
    never imported: a quiet run, a pipe or a log file pays nothing for it."""
    if not shown(quiet):
        return _Hidden(iterable)
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False,
                ncols=_size()[0], nrows=_size()[1])


class _Hidden:
    """A progress bar that is not shown: iterates ``iterable`` and ignores the rest."""

    def __init__(self, iterable):
        self.iterable, self.n = iterable, 0

    def __iter__(self):
        return iter(self.iterable if self.iterable is not None else ())

    def update(self, n: int = 1) -> None:
        self.n += n

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


def _size() -> tuple[int, int]:
    """The terminal's columns and lines (80 x 24 when it reports none, as a fresh pseudo-terminal
    does: tqdm would draw nothing in a terminal of 0 lines)."""
    size = shutil.get_terminal_size(fallback=(80, 24))
    return size.columns or 80, size.lines or 24


def say(message: str) -> None:
    """A line on standard error that does not break a progress bar being drawn."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stderr)


@contextmanager
def ticking(desc: str, quiet: bool = False, every: float = 0.5):
    """The elapsed time of one long call (a solve), redrawn every ``every`` seconds."""
    if not shown(quiet):
        yield
        return
    from tqdm import tqdm

    line = tqdm(total=None, desc=desc, bar_format="{desc}: {elapsed}", file=sys.stderr, leave=False,
                ncols=_size()[0], nrows=_size()[1])
    stop = threading.Event()

    def tick():
        while not stop.wait(every):
            line.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        line.close()
