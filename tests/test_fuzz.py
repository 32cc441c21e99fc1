"""Fuzzing through the command line (bench/fuzz.py): mutated copies of the shipped examples
(several materials, years, scenarios, buyers) each end in a valid run whose answer passes the
checks, or a clean error (exit 2 naming the workbook, or 3 for no solution); never a traceback,
never a run folder after a failure. ``python bench/fuzz.py --n 10000`` is the long run."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fuzz():
    spec = importlib.util.spec_from_file_location("fuzz", ROOT / "bench" / "fuzz.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_mutated_workbooks_run_or_fail_cleanly():
    fuzz = _fuzz()
    # the smallest example and 120 cases keep this near 25 s of CPU; the long run mutates all three
    counts, failures = fuzz.run(120, seed=7, resolve_every=10, bases=("example.xlsx",))
    assert sum(counts.values()) == 120
    assert failures == [], "\n".join(f"{f['outcome']}: {f['mutations']}\n{f.get('detail', '')}" for f in failures[:3])
    # the mutations reach every outcome: runs that solve, bad input, and the checks of answers
    assert counts["solved"] >= 15 and counts["bad input"] >= 40


def test_the_answer_checks_catch_a_wrong_answer(tmp_path):
    """The fuzz's answer checks are not vacuous: a run folder whose recorded objective or input copy
    was tampered with is reported."""
    import json
    import shutil

    from model.pipeline import run_case

    fuzz = _fuzz()
    run = run_case(ROOT / "inputs" / "example.xlsx", outputs=tmp_path / "out", argv=["test"])
    assert fuzz.check_answer(run.folder) == []
    path = run.folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["solver"]["objective"] *= 1.01
    path.write_text(json.dumps(manifest))
    assert any("fresh solve" in p for p in fuzz.check_answer(run.folder))
    shutil.copy(ROOT / "inputs" / "example_disruptions.xlsx", run.folder / "input.xlsx")
    assert any("input hash" in p for p in fuzz.check_answer(run.folder, resolve=False))
    run.results.tables["unmet"].loc[0, "unmet_t"] = run.results.tables["unmet"].loc[0, "demand_t"] + 1.0
    assert "unmet demand outside 0..demand" in fuzz.check_answer(run.folder, run, resolve=False)
