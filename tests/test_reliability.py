"""Nothing lost, nothing unsafe: determinism, no overwrite, no formula injection, safe XML."""
from pathlib import Path

import openpyxl
import pandas as pd

from model.pipeline import run_case, solve_workbook
from tests.helpers import write_case

ROOT = Path(__file__).resolve().parent.parent


def test_same_input_gives_the_same_numbers_twice():
    a = solve_workbook(ROOT / "inputs" / "example.xlsx")
    b = solve_workbook(ROOT / "inputs" / "example.xlsx")
    assert a.solution.objective == b.solution.objective
    for name, df in a.results.tables.items():
        pd.testing.assert_frame_equal(df, b.results.tables[name], check_exact=True, obj=name)


def test_a_run_never_overwrites_another(tmp_path):
    path = ROOT / "inputs" / "example.xlsx"
    first = run_case(path, outputs=tmp_path, argv=["test"])
    second = run_case(path, outputs=tmp_path, argv=["test"])
    assert first.folder != second.folder
    assert (first.folder / "results.xlsx").exists() and (second.folder / "results.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp")]


def test_strings_starting_like_formulas_are_written_as_text(tmp_path):
    ids = ["=1+1", "+2", "-x", "@SUM(A1)"]
    rows = {
        "materials": [{"material": m, "voll": 100.0} for m in ids],
        "demand": [{"material": m, "year": 2030, "demand": 1.0} for m in ids],
        "supply": [{"material": m, "country": "CN", "stage": "processing", "year": 2030, "price": 1.0}
                   for m in ids],
    }
    path = write_case(tmp_path / "inj.xlsx", materials=ids, countries=["CN"], years=[2030], rows=rows)
    run = run_case(path, outputs=tmp_path / "out", argv=["test"])
    wb = openpyxl.load_workbook(run.folder / "results.xlsx")
    ws = wb["unmet"]
    values = [c.value for row in ws.iter_rows() for c in row]
    for m in ids:
        assert "'" + m in values
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", f"a formula was written: {c.value!r}"


def test_workbook_xml_is_parsed_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed so openpyxl parses XML safely"


def test_badly_scaled_coefficients_are_reported(tmp_path):
    # a price of 1e-4 EUR/t next to a value of lost load of 1e8 EUR/t: costs span 1e12
    rows = {
        "materials": [{"material": "x", "voll": 1e8}],
        "demand": [{"material": "x", "year": 2030, "demand": 10.0}],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": 2030, "price": 1e-4,
                    "available": 5.0}],
    }
    path = write_case(tmp_path / "scale.xlsx", materials=["x"], countries=["CN"], years=[2030], rows=rows)
    run = solve_workbook(path)
    assert any("objective coefficients span" in w for w in run.solution.warnings)
    clean = solve_workbook(ROOT / "inputs" / "example.xlsx")
    assert clean.solution.warnings == []
