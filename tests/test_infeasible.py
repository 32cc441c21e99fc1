"""Infeasible cases are explained in the user's terms, or softened to the cheapest violation."""
import pytest

from model.cli import main
from model.errors import ModelError
from tests.helpers import solve_case, table, write_case

YEARS = [2026, 2027, 2028, 2029, 2030]


def gallium(**tech):
    rows = {
        "materials": [{"material": "gallium", "voll": 5e6}],
        "demand": [{"material": "gallium", "year": t, "demand": 3000.0} for t in YEARS],
        "supply": [{"material": "gallium", "country": "CN", "stage": "extraction", "year": t, "price": 100.0}
                   for t in YEARS] + [{"material": "gallium", "country": "CN", "stage": "processing",
                                       "year": t, "price": 300.0} for t in YEARS],
        "technology": [dict({"material": "gallium", "stage": "processing", "capex": 1000.0, "lead_time": 3,
                             "max_build_per_year": 200.0}, **tech)],
        "benchmarks": [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2030}],
    }
    return dict(materials=["gallium"], countries=["CN"], years=YEARS, rows=rows)


def test_infeasible_benchmark_explained_with_lead_time_and_build_limit(tmp_path):
    # 40 % of 3000 t = 1200 t/yr by 2030; decisions from 2026 + 3 years lead time -> new capacity
    # online in 2029 and 2030 only, 200 t/yr each: at most 400 t/yr.
    with pytest.raises(ModelError) as err:
        solve_case(tmp_path, **gallium())
    text = str(err.value)
    assert "40% processing benchmark (capacity basis) for gallium in 2030 needs 1,200.0 t/yr" in text
    assert "at most 400.0 t/yr can exist by then" in text
    assert "lead time 3 years" in text and "at most 200.0 t/yr per year" in text
    assert "benchmark_processing_capacity[gallium,2030]" in text


def test_cli_reports_infeasibility_with_exit_code_3_and_writes_nothing(tmp_path, capsys):
    path = write_case(tmp_path / "inf.xlsx", **gallium())
    out = tmp_path / "out"
    assert main([str(path), "--outputs", str(out)]) == 3
    err = capsys.readouterr().err
    assert "needs 1,200.0 t/yr" in err and "Traceback" not in err
    assert not any(p.name.startswith("inf") for p in out.iterdir()) if out.exists() else True


def test_soft_mode_reports_the_cheapest_violation(tmp_path):
    kw = gallium()
    kw["settings"] = {"discount_rate": 0.0, "soft_benchmarks": "yes"}
    run = solve_case(tmp_path, **kw)
    comp = table(run, "compliance", year=2030).iloc[0]
    assert not comp["met"]
    assert comp["shortfall_t"] == pytest.approx(1200.0 - 400.0)
    assert comp["capacity_share"] == pytest.approx(400.0 / 3000.0)


def test_infeasible_mip_with_modules_explained(tmp_path):
    # modules of 150 t/yr with at most 200 t/yr per year: one module per year -> 300 t/yr by 2030;
    # the LP relaxation allows 400 and is infeasible too, so the IIS of the relaxation is shown.
    with pytest.raises(ModelError) as err:
        solve_case(tmp_path, **gallium(module_size=150.0))
    assert "needs 1,200.0 t/yr" in str(err.value)
