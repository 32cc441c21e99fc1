"""Run folders that are either complete and self-consistent or absent.

A run works in a hidden temporary folder ``outputs/.tmp-<case>-<stamp>-<host>-<pid>-<random>``
and publishes it with one atomic rename to ``outputs/<case>-<stamp>`` (``-2``, ``-3``, ... when
that name is taken: a rename never replaces a folder that holds files, so two runs can never
share one, whatever their timing). The temporary name carries the host and the process id of
its run, so the next run can tell the folder of a killed run (its process is gone: removed) from
the folder of a run still alive (left alone).

The input is snapshot before it is read: copied once, hashed, and the model is read from that
copy, so the hash in the manifest, the copy in the run folder and the numbers solved are the
same file even when the original is replaced during the run.

``load_run`` reads a published run folder back (its results.xlsx, run sheet and manifest), for
the commands that work on run folders (compare, reproduce, export).
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TMP_PREFIX = ".tmp-"
FAILED_LOG_SUFFIX = "-failed-highs.log"
CASE_CHARS = 80  # the case part of a run folder's name is cut to this many characters


class OutputFault(Exception):
    """The environment stops a run from writing (folder missing, read-only, full, path too long)."""


def fault_text(exc: OSError, doing: str) -> str:
    """One line for an operating-system error while ``doing`` something with a file."""
    where = exc.filename if exc.filename is not None else ""
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENAMETOOLONG: "the path is too long",
        errno.ENOENT: "the folder does not exist",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
    }.get(exc.errno, exc.strerror or type(exc).__name__)
    return f"Cannot {doing}{f' {where}' if where else ''}: {reason}."


def _dist_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions(names) -> dict:
    """name -> installed version of each distribution in ``names`` (None when not installed).

    The version is read from the name of the distribution's ``<name>-<version>.dist-info``
    folder, the first on ``sys.path`` as ``importlib.metadata.version`` finds it, without
    importing importlib.metadata and the e-mail parser it reads METADATA files with (some 30 to
    50 ms of a plain run). A name with no such folder (an egg, a zip) is asked of
    importlib.metadata."""
    want = {_dist_key(n): n for n in names}
    found: dict = {}
    for entry in sys.path:
        try:
            items = os.listdir(entry or ".")
        except OSError:
            continue
        for item in items:
            if item.endswith(".dist-info"):
                name, _, version = item[:-len(".dist-info")].partition("-")
                key = _dist_key(name)
                if version and key in want and want[key] not in found:
                    found[want[key]] = version
        if len(found) == len(want):
            break
    missing = [n for n in names if n not in found]
    if missing:
        from importlib import metadata

        for n in missing:
            try:
                found[n] = metadata.version(n)
            except metadata.PackageNotFoundError:
                found[n] = None
    return {n: found[n] for n in names}


def slug(text: str) -> str:
    """A file-name-safe form of a case name, at most CASE_CHARS characters."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:CASE_CHARS].strip("-.") or "case"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def _tmp_name(case: str, stamp: str) -> str:
    return f"{TMP_PREFIX}{case}-{stamp}-{_host()}-{os.getpid()}-{secrets.token_hex(3)}"


_TMP = re.compile(r"^\.tmp-.*-(?P<host>[0-9a-f]{6})-(?P<pid>\d+)-[0-9a-f]{6}$")


def pid_alive(pid: int) -> bool:
    """Is a process with this id running on this machine? (True when it cannot be told.)"""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.GetLastError() == 5  # access denied: it exists
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def stale_tmp_folders(outputs: Path) -> list[Path]:
    """Temporary folders in ``outputs`` left by killed runs on this machine (process gone)."""
    out = []
    try:
        entries = list(outputs.iterdir())
    except OSError:
        return out
    host = _host()
    for p in entries:
        m = _TMP.match(p.name)
        if m and p.is_dir() and m["host"] == host and not pid_alive(int(m["pid"])):
            out.append(p)
    return out


def clean_stale(outputs: Path) -> list[Path]:
    """Remove the temporary folders of killed runs; return what was removed."""
    removed = []
    for p in stale_tmp_folders(outputs):
        shutil.rmtree(p, ignore_errors=True)
        if not p.exists():
            removed.append(p)
    return removed


def snapshot(path: Path, into: Path) -> tuple[Path, str]:
    """Copy ``path`` into the folder ``into`` under its own name; return (copy, sha256 of the copy)."""
    copy = into / path.name
    shutil.copyfile(path, copy)
    return copy, sha256(copy)


def make_tmp(outputs: Path, case: str, stamp: str) -> Path:
    """Create the run's temporary folder inside ``outputs`` (created if missing)."""
    try:
        outputs.mkdir(parents=True, exist_ok=True)
        if not outputs.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(outputs))
        clean_stale(outputs)
        tmp = outputs / _tmp_name(case, stamp)
        tmp.mkdir()
        return tmp
    except OSError as exc:
        raise OutputFault(fault_text(exc, "create the run folder in")) from exc


def publish(tmp: Path, outputs: Path, name: str) -> Path:
    """Rename ``tmp`` to ``outputs/name`` (or ``name-2``, ``name-3``, ...): atomic, never replacing
    a run folder."""
    n = 1
    while True:
        final = outputs / (name if n == 1 else f"{name}-{n}")
        if not final.exists():
            try:
                os.rename(tmp, final)
                return final
            except OSError as exc:
                # taken by another run between the check and the rename (or a non-empty folder)
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EACCES) or not final.exists():
                    raise OutputFault(fault_text(exc, "publish the run folder")) from exc
        n += 1


def keep_failed_log(tmp: Path, outputs: Path, name: str) -> Path | None:
    """Move a failed run's HiGHS log out of its temporary folder; return where it is kept."""
    log = tmp / "highs.log"
    if not log.exists() or log.stat().st_size == 0:
        return None
    n = 1
    while True:
        kept = outputs / f"{name}{'' if n == 1 else f'-{n}'}{FAILED_LOG_SUFFIX}"
        try:
            fd = os.open(kept, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # claim the name
            os.close(fd)
            os.replace(log, kept)
            return kept
        except FileExistsError:
            n += 1
        except OSError:
            return None


def input_workspace() -> tempfile.TemporaryDirectory:
    """A private folder for the input snapshot, outside the outputs folder."""
    try:
        return tempfile.TemporaryDirectory(prefix="crm-input-")
    except OSError as exc:
        raise OutputFault(fault_text(exc, "create a temporary folder for the input copy in")) from exc


@contextmanager
def input_snapshot(path: Path):
    """The input workbook copied into a private folder and hashed before anything reads it:
    yields (copy, sha256 of the copy); the folder is removed on leaving. Every command that writes
    a run folder reads its model from this copy, so an input edited during the run cannot mix in."""
    with input_workspace() as work:
        try:
            copy, digest = snapshot(Path(path), Path(work))
        except OSError as exc:
            raise OutputFault(fault_text(exc, "copy the input workbook")) from exc
        yield copy, digest


# ---- reading a run folder back ------------------------------------------------------------------
@dataclass
class RunRecord:
    folder: Path
    tables: dict
    info: dict
    manifest: dict = field(default_factory=dict)
    label: str = ""

    @property
    def case(self) -> str:
        return str(self.manifest.get("case") or self.info.get("case") or self.folder.name)

    @property
    def objective(self) -> float:
        solver = self.manifest.get("solver") or {}
        if solver.get("objective") is not None:
            return float(solver["objective"])
        return float(self.info.get("objective_eur"))


def load_run(path) -> RunRecord:
    """A run folder (or its results.xlsx) read back: tables, run sheet and manifest."""
    from model.errors import InputError, Issue
    from model.io.write import read_results

    path = Path(path)
    folder = path.parent if path.suffix.lower() == ".xlsx" else path
    book = path if path.suffix.lower() == ".xlsx" else path / "results.xlsx"
    if not book.is_file():
        raise InputError([Issue(file=str(path), expected="a run folder holding results.xlsx, as "
                                "written by 'python run.py WORKBOOK' (outputs/<case>-<timestamp>/)")])
    try:
        tables, info = read_results(book)
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign workbook
        raise InputError([Issue(file=str(book), expected=f"a results workbook that can be read ({exc})")])
    manifest = {}
    if (folder / "manifest.json").is_file():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return RunRecord(folder=folder, tables=tables, info=info, manifest=manifest)
