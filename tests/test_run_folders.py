"""A run folder is complete and self-consistent or absent, whatever the timing of the runs."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import model.pipeline as pipeline
from model.cli import main
from model.io import runfolder
from model.pipeline import run_case, solve_workbook
from model.validate import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "inputs" / "example.xlsx"
EU = ROOT / "inputs" / "eu_crma.xlsx"


def _with_demand_factor(src: Path, dst: Path, factor: float) -> Path:
    """A copy of ``src`` with every demand multiplied by ``factor`` (same case name)."""
    wb = openpyxl.load_workbook(src)
    ws = wb["demand"]
    col = [c.value for c in ws[1]].index("demand [t]") + 1
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(row=r, column=col)
        if isinstance(cell.value, (int, float)):
            cell.value = cell.value * factor
    wb.save(dst)
    return dst


def _objective(folder: Path) -> float:
    return json.loads((folder / "manifest.json").read_text())["solver"]["objective"]


def _check_folder(folder: Path, scratch: Path) -> None:
    """Complete and self-consistent: manifest hash = hash of the copy = the numbers of the copy."""
    files = {p.name for p in folder.iterdir()}
    assert {"results.xlsx", "manifest.json", "highs.log", "input.xlsx"} <= files, files
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["input_sha256"] == runfolder.sha256(folder / "input.xlsx")
    wb = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)  # not a damaged archive
    run_sheet = {r[0]: r[1] for r in wb["run"].iter_rows(values_only=True) if r and r[0]}
    wb.close()
    assert run_sheet.get("input_sha256") == manifest["input_sha256"]
    solo_log = scratch / f"{folder.name}.log"
    again = pipeline.solve_data(load(folder / "input.xlsx"), log_file=solo_log).solution.objective
    assert abs(again - manifest["solver"]["objective"]) <= 1e-7 * max(1.0, abs(again))
    # one solver log, not two runs' logs in one file
    marker = "Coefficient ranges:"
    assert (folder / "highs.log").read_text().count(marker) == solo_log.read_text().count(marker) >= 1


def test_eight_runs_started_at_once_give_eight_consistent_folders(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    same = shutil.copy(EXAMPLE, inputs / "example.xlsx")
    others = [_with_demand_factor(EXAMPLE, inputs / f"edited{i}.xlsx", 1.0 + 0.1 * i) for i in range(1, 5)]
    # the same case name everywhere (the edited copies keep case_name 'example')
    cases = [same] * 4 + others
    out = tmp_path / "outputs"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, str(ROOT / "run.py"), str(p), "--outputs", str(out), "-q"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for p in cases]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    for stdout, stderr, code in results:
        assert code == 0, stderr.decode()
        assert b"Traceback" not in stderr
    folders = sorted(p for p in out.iterdir())
    assert len(folders) == 8, [p.name for p in folders]
    assert not [p for p in folders if p.name.startswith(".")], "temporary folders left behind"
    hashes = {}
    for folder in folders:
        _check_folder(folder, tmp_path)
        hashes.setdefault(json.loads((folder / "manifest.json").read_text())["input_sha256"], []).append(folder)
    assert sorted(len(v) for v in hashes.values()) == [1, 1, 1, 1, 4]
    assert {runfolder.sha256(p) for p in cases} == set(hashes)


def test_the_input_replaced_during_a_run_does_not_mix_files(tmp_path, monkeypatch):
    path = shutil.copy(EXAMPLE, tmp_path / "case.xlsx")
    original = runfolder.sha256(Path(path))
    other = _with_demand_factor(EXAMPLE, tmp_path / "other.xlsx", 2.0)
    real_load = pipeline.load

    def load_then_replace(p):
        shutil.copy(other, path)  # the user saves another version while the run reads
        return real_load(p)

    monkeypatch.setattr(pipeline, "load", load_then_replace)
    run = run_case(path, outputs=tmp_path / "out", argv=["test"])
    monkeypatch.undo()
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["input_sha256"] == original == runfolder.sha256(run.folder / "input.xlsx")
    assert run.solution.objective == pytest.approx(solve_workbook(EXAMPLE).solution.objective, rel=1e-9)
    assert run.solution.objective != pytest.approx(solve_workbook(other).solution.objective, rel=1e-6)


def test_publication_never_reuses_a_name(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "case-1").mkdir()
    (out / "case-1" / "results.xlsx").write_text("x")
    tmp = runfolder.make_tmp(out, "case", "1")
    (tmp / "f").write_text("y")
    final = runfolder.publish(tmp, out, "case-1")
    assert final.name == "case-1-2" and (final / "f").read_text() == "y"
    assert (out / "case-1" / "results.xlsx").read_text() == "x"


def test_stale_temporary_folders_are_cleaned_but_not_those_of_live_runs(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = runfolder._host()
    stale = out / f".tmp-case-20300101-000000-{host}-{dead.pid}-abcdef"
    alive = out / f".tmp-case-20300101-000000-{host}-{os.getpid()}-abcdef"
    foreign = out / f".tmp-case-20300101-000000-000000-{dead.pid}-abcdef"  # another machine's run
    for p in (stale, alive, foreign):
        p.mkdir()
    run_case(EXAMPLE, outputs=out, argv=["test"])
    assert not stale.exists()
    assert alive.exists() and foreign.exists()


def _wait_for_tmp(out: Path, proc, timeout=60.0) -> Path:
    t0 = time.time()
    while time.time() - t0 < timeout:
        tmps = [p for p in out.iterdir() if p.name.startswith(".tmp-")] if out.exists() else []
        if tmps and (tmps[0] / "highs.log").exists():
            return tmps[0]
        if proc.poll() is not None:
            pytest.fail("the run ended before it could be stopped")
        time.sleep(0.02)
    pytest.fail("no temporary folder appeared")


def _start_eu_run(out: Path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(ROOT / "run.py"), str(EU), "--outputs", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_killed_run_leaves_nothing_that_looks_like_a_result(tmp_path):
    out = tmp_path / "out"
    proc = _start_eu_run(out)
    tmp = _wait_for_tmp(out, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    left = list(out.iterdir())
    assert left == [tmp] and tmp.name.startswith(".tmp-")
    assert not (tmp / "manifest.json").exists()
    # the next run removes it
    run_case(EXAMPLE, outputs=out, argv=["test"])
    assert not tmp.exists()
    assert [p.name.startswith("example-") for p in out.iterdir()] == [True]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_is_handled_like_ctrl_c(tmp_path):
    out = tmp_path / "out"
    proc = _start_eu_run(out)
    _wait_for_tmp(out, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode()
    assert "Interrupted; no results were written." in err.decode()
    assert b"Traceback" not in err
    assert list(out.iterdir()) == []


def test_output_folder_faults_are_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main([str(EXAMPLE), "--outputs", str(blocker / "out"), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Cannot create the run folder in") and len(err.strip().splitlines()) == 1
    too_long = tmp_path / ("x" * 300)
    assert main([str(EXAMPLE), "--outputs", str(too_long), "-q"]) == 1
    err = capsys.readouterr().err
    assert "the path is too long" in err and "Traceback" not in err
    if os.name == "posix" and os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            assert main([str(EXAMPLE), "--outputs", str(ro), "-q"]) == 1
            assert "permission denied" in capsys.readouterr().err
        finally:
            ro.chmod(0o700)

    def full(*a, **k):
        raise OSError(28, "No space left on device", "results.xlsx")

    monkeypatch.setattr(pipeline, "write_results", full)
    out = tmp_path / "full"
    assert main([str(EXAMPLE), "--outputs", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "Cannot write the run folder results.xlsx: the disk is full."
    assert list(out.iterdir()) == []


def test_a_failed_solve_keeps_its_highs_log_where_the_message_says(tmp_path, capsys, monkeypatch):
    from model.errors import ModelError

    real = pipeline.solve_data

    def fail(data, log_file=None, backend="highs", method="auto"):
        real(data, log_file=log_file, backend=backend)
        raise ModelError("HiGHS rejected the model (see the HiGHS log).")

    monkeypatch.setattr(pipeline, "solve_data", fail)
    out = tmp_path / "out"
    assert main([str(EXAMPLE), "--outputs", str(out), "-q"]) == 3
    err = capsys.readouterr().err
    kept = [p for p in out.iterdir()]
    assert len(kept) == 1 and kept[0].is_file() and kept[0].name.endswith(runfolder.FAILED_LOG_SUFFIX)
    assert str(kept[0]) in err
    assert "Coefficient ranges:" in kept[0].read_text()
