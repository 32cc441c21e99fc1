"""Property-based fuzzing: mutate a valid workbook cell by cell; every mutation ends in a valid run
or a clean error (exit code 2 with a message naming the place, or 3 for no solution), never a
traceback and never a partial output folder."""
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.cli import main
from tests.helpers import write_case

YEARS = [2030, 2031]
VALUES = st.one_of(
    st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.sampled_from(["65%", "1,5", "all", "EU", "CN", "x", " x", "2030", "=1+1",
                                           "yes", "no", "hard", "soft", "processing", "#N/A"]),
    st.booleans(), st.datetimes().map(lambda d: d.replace(microsecond=0)),
)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "base.xlsx"
    rows = {
        "materials": [{"material": "x", "voll": 1000.0, "processing_yield": 0.9}],
        "demand": [{"material": "x", "year": t, "demand": 100.0, "eol_arising": 20.0, "collection_rate": 0.5}
                   for t in YEARS],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": 10.0,
                    "available": 80.0} for t in YEARS]
        + [{"material": "x", "country": "AU", "stage": "extraction", "year": t, "price": 5.0} for t in YEARS],
        "technology": [{"material": "x", "stage": "processing", "capex": 50.0, "lead_time": 1},
                       {"material": "x", "stage": "recycling", "capex": 80.0}],
        "stockpile": [{"material": "x", "holding_cost": 1.0, "coverage_days": 30}],
        "benchmarks": [{"benchmark": "single_country", "material": "all", "level": 0.65, "start_year": 2031},
                       {"benchmark": "processing", "material": "all", "level": 0.2, "start_year": 2031,
                        "enforcement": "soft", "penalty": 100.0}],
    }
    return write_case(path, materials=["x"], countries=["CN", "AU"], years=YEARS, rows=rows)


SHEETS = ["sets", "settings", "materials", "demand", "supply", "technology", "stockpile", "benchmarks"]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=st.sampled_from(SHEETS), row=st.integers(1, 6), col=st.integers(1, 8), value=VALUES)
def test_mutated_workbook_runs_or_fails_cleanly(base, tmp_path_factory, capsys, sheet, row, col, value):
    work = tmp_path_factory.mktemp("m")
    path = work / "case.xlsx"
    shutil.copy(base, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str) and value.startswith("="):
        cell.value = value  # a formula with no cached value
    else:
        cell.value = value
    wb.save(path)
    out = work / "out"
    code = main([str(path), "--outputs", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code in (0, 2, 3), captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    folders = [p for p in out.iterdir()] if out.exists() else []
    if code == 0:
        assert len(folders) == 1 and (folders[0] / "results.xlsx").exists()
        assert (folders[0] / "manifest.json").exists()
    else:
        assert folders == [], "a failed run must leave no folder"
        assert captured.err.strip()
        if code == 2:
            assert "case.xlsx" in captured.err
