"""Progress of long steps: drawn on a terminal, silent under --quiet and when standard error is
not a terminal (a pipe, a log file, a test)."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from model import progress as P

ROOT = Path(__file__).resolve().parent.parent


def _on_a_terminal(args: list[str], tmp_path: Path) -> str:
    """Run ``python run.py ARGS`` with its standard error on a pseudo-terminal; what it drew."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args, "--outputs", str(tmp_path)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0
    return out.decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_progress_on_a_terminal_and_quiet(tmp_path):
    drawn = _on_a_terminal([str(ROOT / "inputs" / "example.xlsx")], tmp_path)
    assert "solving example.xlsx: 00:0" in drawn
    assert "solving" not in _on_a_terminal([str(ROOT / "inputs" / "example.xlsx"), "--quiet"], tmp_path)


def test_no_progress_when_not_a_terminal(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), str(ROOT / "inputs" / "example.xlsx"),
                           "--outputs", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0
    assert "solving" not in proc.stderr and "\r" not in proc.stderr


def test_bar_counts_the_items_it_shows(capsys):
    class Tty:
        def isatty(self):
            return True

    assert P.shown(False, Tty()) and not P.shown(True, Tty())
    assert list(P.bar([1, 2, 3], "x", quiet=True)) == [1, 2, 3]
    with P.ticking("x", quiet=True):
        pass
    assert capsys.readouterr().err == ""
