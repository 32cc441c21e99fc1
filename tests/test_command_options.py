"""Every command's bad options are clean errors (exit 2, one message naming the option, the value
and what was expected); exit codes mean what README.md says (issue: run integrity, finding 7)."""
from pathlib import Path

import openpyxl
import pytest

from model.cli import main
from tests.helpers import write_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "inputs" / "example.xlsx"


def _clean(capsys) -> str:
    cap = capsys.readouterr()
    assert "Traceback" not in cap.err + cap.out
    return cap.err


def test_template_refuses_to_overwrite_without_force(tmp_path, capsys):
    path = tmp_path / "mycase.xlsx"
    path.write_bytes(b"an edited workbook")
    assert main(["template", str(path)]) == 2
    err = _clean(capsys)
    assert f"Bad option: {path} exists; the template would overwrite it" in err and "--force" in err
    assert path.read_bytes() == b"an edited workbook"
    assert main(["template", str(path), "--force"]) == 0
    assert openpyxl.load_workbook(path).sheetnames[0] == "README"


def test_assess_year_outside_the_horizon(tmp_path, capsys):
    assert main(["assess", str(EXAMPLE), "--year", "2099", "--outputs", str(tmp_path)]) == 2
    assert "Bad option: --year 2099: expected a year of the horizon of example.xlsx, 2025-2032" in _clean(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["scenarios", str(EXAMPLE), "-o", "x.xlsx", "--rate-country", "CN=abc"],
     "argument --rate-country: found 'abc'; expected a rate from 0 to 1 (COUNTRY=RATE, e.g. CN=0.1)"),
    (["scenarios", str(EXAMPLE), "-o", "x.xlsx", "--rate-country", "CN"],
     "argument --rate-country: found 'CN'; expected COUNTRY=RATE, e.g. CN=0.1"),
    (["scenarios", str(EXAMPLE), "-o", "x.xlsx", "--severities", "0.5,2"],
     "argument --severities: found '2'; expected a share of supply lost from 0 to 1"),
    (["scenarios", str(EXAMPLE), "-o", "x.xlsx", "--rate", "nan"],
     "argument --rate: found 'nan'; expected an annual rate from 0 to 1"),
    (["assess", str(EXAMPLE), "--year", "abc"], "argument --year: found 'abc'; expected a year from 1900 to 2200"),
    (["reproduce", "somewhere", "--rtol", "-1"], "argument --rtol: found '-1'; expected a relative tolerance"),
], ids=["rate-not-a-number", "rate-without-value", "severity", "rate-nan", "year-text", "rtol"])
def test_option_values_are_checked_by_the_parser(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in _clean(capsys)


@pytest.mark.parametrize("extra, message", [
    (["--rate-country", "XX=0.1"], "--rate-country: found 'XX'; expected third countries of example.xlsx"),
    (["--materials", "galium"], "--materials: found 'galium'; expected materials of example.xlsx: gallium, ndpr "
                                "(did you mean 'gallium'?)"),
    (["--stages", "recycling"], "--stages: found 'recycling'; expected stages with third-country supply"),
    (["--start-years", "2040"], "--start-years: found 2040; expected years of the horizon of example.xlsx"),
])
def test_scenario_options_are_checked_against_the_workbook(tmp_path, capsys, extra, message):
    out = tmp_path / "s.xlsx"
    assert main(["scenarios", str(EXAMPLE), "-o", str(out)] + extra) == 2
    assert f"Bad option: {message}" in _clean(capsys)
    assert not out.exists()


def test_scenarios_with_default_options_is_not_no_solution(tmp_path, capsys):
    """The defaults ask for more probability than there is on the example: that is a bad choice of
    options (exit 2, with what to change), not a model without a solution (exit 3)."""
    out = tmp_path / "s.xlsx"
    assert main(["scenarios", str(EXAMPLE), "-o", str(out)]) == 2
    err = _clean(capsys)
    assert "probabilities sum to 1.28" in err and "--start-years" in err
    assert main(["scenarios", str(EXAMPLE), "-o", str(out), "--start-years", "2027"]) == 0
    assert out.exists()


def test_a_sweep_whose_points_are_all_infeasible_ends_with_a_message(tmp_path, capsys):
    rows = {
        "materials": [{"material": "x", "voll": 1000.0}],
        "demand": [{"material": "x", "year": t, "demand": 100.0} for t in (2030, 2031)],
        "supply": [{"material": "x", "country": "CN", "stage": "processing", "year": t, "price": 10.0}
                   for t in (2030, 2031)],
        "benchmarks": [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2030}],
    }
    path = write_case(tmp_path / "case.xlsx", materials=["x"], countries=["CN"], years=[2030, 2031], rows=rows)
    out = tmp_path / "sweep.xlsx"
    code = main(["sweep", str(path), "--param", "benchmark.processing.level", "--values", "0.3,0.5", "-o", str(out)])
    err = _clean(capsys)
    assert code == 3
    assert "No result: none of the 2 points of the sweep has a solution" in err
    assert out.exists() and not out.with_suffix(".svg").exists()


def test_an_unwritable_output_is_one_line_for_every_command(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["assess", str(EXAMPLE), "--outputs", str(blocker / "sub")]) == 1
    err = _clean(capsys)
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Cannot ") and "a part of the path is a file" in lines[0]
    assert main(["template", str(blocker / "t.xlsx")]) == 1
    assert _clean(capsys).startswith("Cannot ")
