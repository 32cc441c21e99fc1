"""Setting processing_counts_recycling: whether a plant that refines waste counts toward the 40 %
processing benchmark as well as the 25 % recycling one (Regulation (EU) 2024/1252 Art. 2(8):
processing turns a raw material "from ores, minerals, plant products or waste" into metals, alloys
and other forms). One rule, ``model.reach.counted_stages``, read by the model, the baseline
assessment and the messages; every number below was worked out by hand.

Case: one material x, demand D = 100 t in 2030 with 25 t of end-of-life arisings collected at 80 %
(feedstock F = 20 t), refined imports from CN at 100 EUR/t, existing EU recycling capacity 30 t/yr
(no running cost: it recycles all 20 t, so imports are 80 t), a processing technology at capex 100
EUR per t/yr over 10 years (annuity 10 at a discount rate of 0), and a hard 40 % processing
benchmark on the capacity basis. A recycler counts toward processing only up to the scrap it can
get: min(30, 20) = 20 t/yr (a plant without scrap is not able to produce).
"""
import pytest

from model.analysis.assess import assess_workbook
from model.errors import ModelError
from tests.helpers import solve_case, table, write_case
from tests.test_blocks import PROC_TECH, case, refined

BENCH = [{"benchmark": "processing", "material": "all", "level": 0.4, "start_year": 2030}]
RECYCLERS = [{"material": "x", "stage": "recycling", "year": 2030, "capacity": 30.0}]


def _case(counts: str, technology=(PROC_TECH,), basis=""):
    bench = [dict(BENCH[0], basis=basis)]
    kw = case(supply=refined([2030]), technology=list(technology), benchmarks=bench, capacity_existing=RECYCLERS,
              demand=[{"material": "x", "year": 2030, "demand": 100.0, "eol_arising": 25.0, "collection_rate": 0.8}])
    return dict(kw, settings={"discount_rate": 0.0, "processing_counts_recycling": counts})


@pytest.mark.parametrize("counts, built, objective, share", [
    # no: 40 t/yr of refining is built; 80 t x 100 EUR + 40 x 10 = 8,400; share 40/100
    ("no", 40.0, 80 * 100 + 40 * 10, 0.4),
    # yes: the recyclers count for min(30, 20) = 20; 20 t/yr are built: 8,000 + 20 x 10 = 8,200;
    # (20 + 20)/100
    ("yes", 20.0, 80 * 100 + 20 * 10, 0.4),
])
def test_recyclers_count_toward_processing_when_the_setting_says_so(tmp_path, counts, built, objective, share):
    run = solve_case(tmp_path, **_case(counts))
    assert run.solution.objective == pytest.approx(objective)
    cap = table(run, "capacity", stage="processing").iloc[0]
    assert cap["new_online_tpa"] == pytest.approx(built)
    comp = table(run, "compliance", benchmark="processing").iloc[0]
    assert comp["achieved_share"] == pytest.approx(share) and bool(comp["met"])
    sp = table(run, "shadow_prices", benchmark="processing").iloc[0]
    assert sp["eur_per_t"] == pytest.approx(10.0)  # the annuity of one more t/yr of refining
    assert table(run, "sourcing", flow="EU recycling output")["value_t"].sum() == pytest.approx(20.0)


def test_a_recycler_without_scrap_does_not_count(tmp_path):
    """The loophole closed: with no end-of-life arisings (F = 0) the 30 t/yr of recyclers count for
    nothing, and 40 t/yr of refining are built as without the setting: 100 x 100 + 40 x 10."""
    kw = _case("yes")
    kw["rows"]["demand"] = [{"material": "x", "year": 2030, "demand": 100.0}]
    run = solve_case(tmp_path, **kw)
    assert run.solution.objective == pytest.approx(100 * 100 + 40 * 10)
    assert table(run, "capacity", stage="processing").iloc[0]["new_online_tpa"] == pytest.approx(40.0)


def test_on_the_flow_basis_recycled_output_counts(tmp_path):
    """Flow basis: EU refining output + recycling output >= 40. The recyclers make 20 t, so 20 t of
    ore must be refined in the EU: the plant (20 t/yr, 200) and the ore at 90 + 30 (O&M) = 120
    instead of 100 imported: 60 x 100 + 20 x 120 + 20 x 10 = 8,600."""
    run = solve_case(tmp_path, **_flow_case())
    assert run.solution.objective == pytest.approx(60 * 100 + 20 * 120 + 20 * 10)
    comp = table(run, "compliance", benchmark="processing").iloc[0]
    assert comp["flow_share"] == pytest.approx(0.4) and bool(comp["met"])


def _flow_case():
    from tests.test_blocks import ore

    kw = _case("yes", basis="flow")
    kw["rows"]["supply"] = refined([2030]) + ore([2030])
    kw["countries"] = sorted(set(kw["countries"]) | {"AU"})
    return kw


@pytest.mark.parametrize("counts, share", [("no", 0.0), ("yes", 0.2)])
def test_the_baseline_assessment_counts_the_same_stages(tmp_path, counts, share):
    """Before any build: refining 0, recycling 30 t/yr of 100 with 20 t of scrap: 0 % (no) or
    min(30, 20) / 100 = 20 % (yes); the recycling benchmark's own share is capacity 30 %."""
    path = write_case(tmp_path / "case.xlsx", **_case(counts))
    base, _ = assess_workbook(path, year=2030)
    assert base.set_index("material").loc["x", "eu_processing_share"] == pytest.approx(share)
    assert base.set_index("material").loc["x", "eu_recycling_share"] == pytest.approx(0.3)


def test_the_message_adds_recyclers_to_what_can_exist(tmp_path):
    """Without a processing technology the hard benchmark needs 40 t/yr; with the setting, at most
    0 + min(30, 20) = 20 t/yr can exist, and the message says that refining and recycling are
    counted together, recycling up to its feedstock."""
    with pytest.raises(ModelError) as err:
        solve_case(tmp_path, **_case("yes", technology=()))
    msg = str(err.value)
    assert "needs 40.0 t/yr of EU refining (refining and recycling together" in msg, msg
    assert "but at most 20.0 t/yr can exist by then" in msg, msg
    assert "recycling: existing capacity 30.0 t/yr" in msg and "up to its end-of-life feedstock 20.0 t" in msg, msg
