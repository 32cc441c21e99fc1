"""Validation at the door: cross-table checks that turn a cell-checked workbook into ModelData.

Every issue names the file, sheet, row and column and says what was expected; all issues are
collected and raised together so that a user fixes them in one pass.
"""
from __future__ import annotations

from collections import defaultdict

from model import registry as R
from model.data import NOMINAL, ModelData
from model.errors import BLANK, Found, InputError, Issue
from model.demand import covered_materials, demand_scenarios, with_technology_demand
from model.io.read import RawWorkbook, parse_cell, read_workbook, suggest

SHARE_TOLERANCE = 1e-6


def load(path) -> ModelData:
    """Read, check and return the input of one run (raises InputError with every problem)."""
    return validate(read_workbook(path))


_suggest = suggest  # ' (did you mean ...?)' for a case, spacing or spelling difference


def _rows_text(rows) -> int | str:
    """One row number, or a text such as '2-4' / '2, 5, 9' for a problem spanning rows."""
    rows = sorted(set(rows))
    if len(rows) == 1:
        return rows[0]
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"{rows[0]}-{rows[-1]}"
    return ", ".join(map(str, rows))


def validate(raw: RawWorkbook) -> ModelData:
    file = raw.path.name
    issues: list[Issue] = []

    letters = {name: rt.letters for name, rt in raw.tables.items()}
    letters[R.SETS_SHEET] = raw.set_letters

    def add(expected, sheet=None, row=None, column=None, value=None):
        cell = None
        if isinstance(row, int) and column in letters.get(sheet, {}):
            cell = f"{letters[sheet][column]}{row}"
        issues.append(Issue(file, expected, sheet, row, column, value, cell))

    sets = raw.sets
    # ---- sets -------------------------------------------------------------------------------
    for name in R.SETS:
        if not sets[name]:
            add(f"declare at least one {name} in column '{name}'", R.SETS_SHEET, None, name)
    for s in sets["stage"]:
        if s not in R.STAGES:
            add(f"stages are a subset of {', '.join(R.STAGES)}", R.SETS_SHEET,
                raw.set_rows["stage"][s], "stage", s)
    if R.DOMESTIC not in sets["country"] and sets["country"]:
        add(f"the countries must include '{R.DOMESTIC}' (the EU as an origin)", R.SETS_SHEET, None, "country")
    years = sets["year"]
    for prev, year in zip(years, years[1:]):
        if year != prev + 1:
            add(f"years must be consecutive and in increasing order: expected {prev + 1} after {prev}",
                R.SETS_SHEET, raw.set_rows["year"][year], "year", year)
            break
    if issues:
        raise InputError(issues)

    # ---- settings ---------------------------------------------------------------------------
    settings = {s.name: s.default for s in R.SETTING_DEFS}
    st = raw.tables[R.SETTINGS.sheet]
    setting_rows = {}
    for rec, row in zip(st.rows, st.row_numbers):
        name = rec["setting"]
        if name in setting_rows:
            add(f"each setting may appear once; it is also at row {setting_rows[name]}", "settings", row,
                "setting", name)
            continue
        setting_rows[name] = row
        sdef = R.SETTINGS_BY_NAME.get(name)
        if sdef is None:
            add(f"unknown setting; the settings are: {', '.join(R.SETTINGS_BY_NAME)}"
                + _suggest(name, R.SETTINGS_BY_NAME), "settings", row, "setting", name)
            continue
        col = R.Column(name, sdef.kind, sdef.unit, sdef.default, sdef.lo, sdef.hi, choices=sdef.choices)
        raw_value = rec["value"]
        if sdef.kind in ("number", "integer") and isinstance(raw_value, str):
            try:
                raw_value = float(raw_value)
            except ValueError:
                pass
        value, problem = parse_cell(raw_value, col)
        if problem:
            add(f"{problem} (setting {name})", "settings", row, "value",
                BLANK if rec["value"] == "" else rec["value"])
        else:
            settings[name] = value

    # ---- keys against sets, duplicates ------------------------------------------------------
    scen_raw = raw.tables[R.SCENARIOS.sheet]
    declared = {k: set(v) for k, v in sets.items()}
    declared["scenario"] = {r["scenario"] for r in scen_raw.rows}
    declared["buyer"] = {r["buyer"] for r in raw.tables[R.BUYERS.sheet].rows}
    declared["product"] = {r["product"] for r in raw.tables[R.PRODUCTS.sheet].rows}
    tables: dict[str, dict] = {}
    rows: dict[str, dict] = {}
    for table in R.TABLES:
        if table is R.SETTINGS:
            continue
        rt = raw.tables[table.sheet]
        data, where = {}, {}
        for rec, row in zip(rt.rows, rt.row_numbers):
            ok = True
            for col in table.keys:
                v = rec[col.name]
                if col.name in table.wildcard_keys and v == "all":
                    continue
                if col.name in table.optional_keys and v == "":
                    continue
                if col.set and v not in declared[col.set]:
                    where_declared = ("the scenarios sheet" if col.set == "scenario"
                                      else "the buyers sheet" if col.set == "buyer"
                                      else "the products sheet" if col.set == "product"
                                      else f"column '{col.set}' of the sets sheet")
                    hint = (f" (the horizon is {years[0]}-{years[-1]})" if col.set == "year"
                            else _suggest(v, declared[col.set]))
                    add(f"unknown {col.set}; declare it in {where_declared}{hint}",
                        table.sheet, row, col.name, v)
                    ok = False
            for col in table.values:
                if col.set and rec[col.name] not in ("", None) and rec[col.name] not in declared[col.set]:
                    add(f"unknown {col.set}" + _suggest(rec[col.name], declared[col.set]),
                        table.sheet, row, col.name, rec[col.name])
                    ok = False
            if not ok:
                continue
            key = tuple(rec[c.name] for c in table.keys)
            key = key[0] if len(key) == 1 else key
            if key in where:
                add(f"each key may appear once; this one is also at row {where[key]}",
                    table.sheet, row, ", ".join(c.name for c in table.keys),
                    key if not isinstance(key, tuple) else ", ".join(map(str, key)))
                continue
            where[key] = row
            data[key] = {c.name: rec[c.name] for c in table.values}
            data[key].update({p: rec[p] for p in R.PROVENANCE})
        tables[table.sheet] = data
        rows[table.sheet] = where

    rows["settings"] = setting_rows
    data = ModelData(
        materials=list(sets["material"]), countries=list(sets["country"]), stages=list(sets["stage"]),
        years=list(years), settings=settings, tables=tables, rows=rows, source=raw.path,
    )
    if not issues:
        _cross_checks(data, add)
    if issues:
        raise InputError(issues)
    _scenarios(data)
    return with_technology_demand(data)


def _cross_checks(data: ModelData, add) -> None:
    first, last = data.years[0], data.years[-1]
    T = data.tables
    rows = data.rows
    stages = set(data.stages)

    for m in data.materials:
        if m not in T["materials"]:
            add("every declared material needs a row in the materials sheet (voll at least)",
                "materials", None, "material", m)
    covered = set(covered_materials(data))
    for m in data.materials:
        if m not in covered and not any((m, t) in T["demand"] for t in data.years):
            add("every declared material needs demand rows (one per year; a missing year has demand 0)",
                "demand", None, "material", m)

    for key, row in rows["supply"].items():
        m, c, k, t = key
        if c == R.DOMESTIC:
            add("the EU's own mining and refining come from the technology and capacity_existing "
                "sheets; supply rows are for third countries", "supply", row, "country", c)
        if k not in ("extraction", "processing"):
            add("supply rows are for stage extraction (ore/concentrate) or processing (refined)",
                "supply", row, "stage", k)
        elif k not in stages:
            add(f"stage '{k}' is not declared in the sets sheet", "supply", row, "stage", k)
    # ore imports need EU processing to turn them into refined material
    for key, row in rows["supply"].items():
        m, c, k, t = key
        if k == "extraction" and (m, "processing") not in T["technology"] and not any(
                (m, "processing", y) in T["capacity_existing"] for y in data.years):
            add("ore/concentrate offers need EU processing: add a technology or capacity_existing "
                "row for stage processing of this material", "supply", row, "material", m)
            break

    # upstream shares sum to one per (material, refiner)
    sums = defaultdict(float)
    share_rows = defaultdict(list)
    for (m, r, o), rec in T["upstream"].items():
        sums[(m, r)] += rec["share"]
        share_rows[(m, r)].append(rows["upstream"][(m, r, o)])
    for (m, r), s in sums.items():
        if abs(s - 1.0) > SHARE_TOLERANCE:
            add(f"the upstream shares of material {m}, refiner {r} must sum to 1",
                "upstream", _rows_text(share_rows[(m, r)]), "share", Found(f"shares summing to {s:.6g}"))

    for (m, k), rec in T["technology"].items():
        row = rows["technology"][(m, k)]
        if k not in stages:
            add(f"stage '{k}' is not declared in the sets sheet", "technology", row, "stage", k)
        eb = rec["earliest_build_year"]
        if eb is not None and eb > last:
            add(f"the earliest build year is after the last year of the horizon ({last})",
                "technology", row, "earliest_build_year", eb)
        if rec["module_size"] and rec["max_build_per_year"] < rec["module_size"]:
            add("max_build_per_year is smaller than one module; no module could ever be built",
                "technology", row, "max_build_per_year", rec["max_build_per_year"])
    for key, row in rows["capacity_existing"].items():
        if key[1] not in stages:
            add(f"stage '{key[1]}' is not declared in the sets sheet", "capacity_existing", row, "stage", key[1])

    for m, rec in T["stockpile"].items():
        row = rows["stockpile"][m]
        if rec["initial_stock"] > rec["max_stock"]:
            add("the initial stock exceeds max_stock", "stockpile", row, "initial_stock", rec["initial_stock"])
        if rec["coverage_basis"] == "imports_from" and not rec["coverage_country"]:
            add("coverage basis imports_from needs a coverage_country", "stockpile", row,
                "coverage_country", "")
        if rec["coverage_country"] == R.DOMESTIC:
            add("the coverage country must be a third country", "stockpile", row, "coverage_country",
                R.DOMESTIC)
        cf = rec["coverage_from_year"]
        if cf is not None and cf > last:
            add(f"the coverage rule starts after the last year ({last})", "stockpile", row,
                "coverage_from_year", cf)

    for key, rec in T["benchmarks"].items():
        b, m, k = key
        row = rows["benchmarks"][key]
        if b == "single_country":
            if k not in ("", "extraction", "processing"):
                add("the single-country cap applies to stage extraction or processing (blank: both)",
                    "benchmarks", row, "stage", k)
        elif k != "":
            add(f"the stage column is for single_country rows only; benchmark {b} has its own stage",
                "benchmarks", row, "stage", k)
        if b == "single_country" and rec["basis"]:
            add("the single-country cap is a flow rule; leave basis blank", "benchmarks", row, "basis",
                rec["basis"])
        if rec["start_year"] > last:
            add(f"the start year is after the last year of the horizon ({last})",
                "benchmarks", row, "start_year", rec["start_year"])
        rf = rec["ramp_from_year"]
        if rf is not None and rf >= rec["start_year"]:
            add(f"the ramp must start before start_year ({rec['start_year']})", "benchmarks", row,
                "ramp_from_year", rf)
        if rec["enforcement"] == "soft" and rec["penalty"] <= 0:
            add("a soft benchmark needs a penalty > 0 (EUR/t of shortfall; a blank penalty is 0)",
                "benchmarks", row,
                "penalty", rec["penalty"])

    if T["scenarios"]:
        total = sum(r["probability"] for r in T["scenarios"].values())
        if NOMINAL in T["scenarios"] and abs(total - 1.0) > 1e-6:
            add(f"the scenario probabilities must sum to 1 (they sum to {total:.6g}); or leave "
                f"'{NOMINAL}' out and it takes what the others leave", "scenarios",
                rows["scenarios"][NOMINAL], "probability", round(total, 6))
        elif total > 1.0 + 1e-6:
            add(f"the scenario probabilities must sum to at most 1 (they sum to {total:.6g}); "
                f"'{NOMINAL}' takes what the others leave", "scenarios",
                _rows_text(rows["scenarios"].values()), "probability", round(total, 6))
    supply = T["supply"]
    for key, rec in T["disruptions"].items():
        row = rows["disruptions"][key]
        if key[3] not in ("extraction", "processing"):
            add("disruptions apply to third-country supply: stage extraction or processing",
                "disruptions", row, "stage", key[3])
        if key[2] == R.DOMESTIC:
            add("disruptions apply to third countries, not to the EU", "disruptions", row, "country", key[2])
        if key[4] >= last + 1 or key[4] + rec["duration"] <= first:
            add(f"the event lies outside the horizon {first}-{last}", "disruptions", row, "start_year", key[4])
        elif 0.0 < rec["severity"] < 1.0:
            mats = data.materials if key[1] == "all" else [key[1]]
            unlimited = [(mm, t) for mm in mats for t in data.years
                         if supply.get((mm, key[2], key[3], t), {}).get("available", 0.0) >= R.UNLIMITED
                         and key[4] < t + 1 and key[4] + rec["duration"] > t]
            if unlimited:
                mm, t = unlimited[0]
                add(f"a partial disruption of an unlimited offer has no effect: give the supply row "
                    f"({mm}, {key[2]}, {key[3]}, {t}) an 'available' quantity, or use severity 1",
                    "disruptions", row, "severity", rec["severity"])
    _purchasing_checks(data, add)
    _technology_checks(data, add)


def _purchasing_checks(data: ModelData, add) -> None:
    """Buyers' demands add up to the demand sheet; tiers belong to offers; contracts are sane."""
    T, rows = data.tables, data.rows
    if T["buyers"]:
        sums = {}
        for (bu, mm, t), rec in T["buyers"].items():
            sums[(mm, t)] = sums.get((mm, t), 0.0) + rec["demand"]
        for mm in data.materials:
            for t in data.years:
                total, d = sums.get((mm, t), 0.0), data.demand(mm, t)
                if abs(total - d) > 1e-6 * max(1.0, d):
                    row = rows["demand"].get((mm, t))
                    add(f"the buyers' demands for {mm} in {t} add up to {total:g} t, but the demand "
                        f"sheet says {d:g} t; they must agree", "buyers", None, "demand", round(total, 6))
                    return
    for key, row in rows["tiers"].items():
        mm, c, k, _ = key
        if not any((mm, c, k, t) in T["supply"] for t in data.years):
            add("tiers belong to a supplier offer: add supply rows for this material, country and stage",
                "tiers", row, "country", c)
        if c == R.DOMESTIC:
            add("tiers are for third-country offers", "tiers", row, "country", c)
    for cid, rec in T["contracts"].items():
        row = rows["contracts"][cid]
        if rec["min_take"] > rec["max_take"]:
            add("min_take must not exceed max_take", "contracts", row, "min_take", rec["min_take"])
        if rec["country"] == R.DOMESTIC:
            add("contracts are with third-country suppliers", "contracts", row, "country", rec["country"])
        if rec["start_year"] > data.years[-1]:
            add(f"the contract starts after the last year of the horizon ({data.years[-1]})", "contracts",
                row, "start_year", rec["start_year"])
        if rec["stage"] == "extraction" and (rec["material"], "processing") not in T["technology"] and not any(
                (rec["material"], "processing", y) in T["capacity_existing"] for y in data.years):
            add("an ore contract needs EU processing: add a technology or capacity_existing row for stage "
                "processing of this material", "contracts", row, "stage", rec["stage"])


def _scenarios(data: ModelData) -> None:
    """Scenario probabilities and per-year disruption effects (a data transformation)."""
    scen = data.tables["scenarios"]
    if scen:
        data.probability = {s: rec["probability"] for s, rec in scen.items()}
        if NOMINAL not in data.probability:
            rest = max(0.0, 1.0 - sum(data.probability.values()))
            data.probability = {NOMINAL: rest, **data.probability}
    else:
        data.probability = {NOMINAL: 1.0}
    data.disruption = {s: {} for s in data.probability}
    strategic_all = data.materials
    for (s, m, c, k, start), rec in data.tables["disruptions"].items():
        mats = strategic_all if m == "all" else [m]
        end = start + rec["duration"]
        for t in data.years:
            overlap = max(0.0, min(end, t + 1) - max(start, t))
            if overlap <= 0:
                continue
            for mm in mats:
                key = (mm, c, k, t)
                lost, mult = data.disruption[s].get(key, (0.0, 1.0))
                lost = min(1.0, lost + rec["severity"] * overlap)
                mult = mult * (1.0 + (rec["price_multiplier"] - 1.0) * overlap)
                data.disruption[s][key] = (lost, mult)


def _technology_checks(data: ModelData, add) -> None:
    """Products, deployment, intensities and substitutions make a sane technology-driven demand."""
    T, rows = data.tables, data.rows
    first, last = data.years[0], data.years[-1]
    for p, rec in T["products"].items():
        row = rows["products"][p]
        if rec["lifetime"] <= 0:
            add("a product's lifetime must be more than 0 years (units would leave use before they "
                "are used)", "products", row, "lifetime", rec["lifetime"])
        if rec["lifetime_model"] == "normal" and rec["lifetime_sd"] <= 0:
            add("a normal lifetime needs a standard deviation lifetime_sd > 0 (or lifetime_model "
                "fixed)", "products", row, "lifetime_sd", rec["lifetime_sd"])
        if rec["lifetime_model"] == "weibull" and rec["weibull_shape"] <= 0:
            add("a Weibull lifetime needs a shape weibull_shape > 0 (about 2-4 for durable goods)",
                "products", row, "weibull_shape", rec["weibull_shape"])
    for (p, mm), rec in T["intensity"].items():
        row = rows["intensity"][(p, mm)]
        if rec["intensity"] < 0:
            add(f"an intensity must be >= 0 t per unit: a negative one makes the demand for {mm} from "
                f"{p} negative", "intensity", row, "intensity", rec["intensity"])
        if rec["annual_change"] <= -1:
            add("an annual change of -1 or less makes the intensity zero or negative after the base "
                "year (write -0.05 for 5 % less each year)", "intensity", row, "annual_change",
                rec["annual_change"])
    for (p, a), rec in T["substitution"].items():
        row = rows["substitution"][(p, a)]
        if p == a:
            add("a product cannot replace itself: name another product as the alternative",
                "substitution", row, "alternative", a)
        for q, col in ((p, "product"), (a, "alternative")):
            if not any(key[0] == q for key in T["intensity"]):
                add(f"product {q} has no intensity rows: a substitution needs the intensities of both "
                    "products", "substitution", row, col, q)
        if rec["start_year"] is not None and rec["start_year"] > last:
            add(f"the start year is after the last year of the horizon ({last})", "substitution", row,
                "start_year", rec["start_year"])
    shares = defaultdict(list)
    for (p, a), rec in T["substitution"].items():
        shares[p].append((rows["substitution"][(p, a)], rec["max_share"]))
    for p, rs in shares.items():
        if sum(v for _, v in rs) > 1 + SHARE_TOLERANCE:
            add(f"the alternatives of {p} may replace at most all of it: their max_share values must sum "
                "to 1 or less", "substitution", _rows_text([r for r, _ in rs]), "max_share",
                Found(f"shares summing to {sum(v for _, v in rs):.6g}"))
    for key, row in rows["deployment"].items():
        if key[2] > last:
            add(f"deployment after the horizon ({first}-{last}) is not used; remove the row", "deployment",
                row, "year", key[2])
        if key[0] != "all" and ("all", key[1], key[2]) in T["deployment"]:
            add(f"the deployment of {key[1]} in {key[2]} is also given for all scenarios (row "
                f"{rows['deployment'][('all', key[1], key[2])]}); give it once", "deployment", row,
                "demand_scenario", key[0])
    if data.settings["demand_source"] == "demand_sheet":
        return
    if data.settings["demand_source"] == "technologies":
        for mm in data.materials:
            if not any(k[1] == mm for k in T["intensity"]):
                add("demand_source is technologies, but this material has no intensity rows (give "
                    "them, or a product 'other uses' with intensity 1 t/t)", "intensity", None, "material", mm)
        if not T["deployment"]:
            add("demand_source is technologies, but the deployment sheet has no rows", "deployment", None,
                "deployment", None)
    if not T["deployment"] or not T["intensity"]:
        return
    if T["buyers"] and covered_materials(data):
        add("buyers' demands add up to the demand sheet, but this run takes the demand of "
            f"{', '.join(covered_materials(data))} from technologies: for joint purchasing set "
            "demand_source to demand_sheet", "buyers", None, "material", covered_materials(data)[0])
    names = demand_scenarios(data)
    chosen = data.settings["demand_scenario"]
    if not chosen and len(names) > 1:
        add(f"the deployment sheet holds the demand scenarios {', '.join(names)}: name the one to use "
            "in setting demand_scenario", "settings", rows["settings"].get("demand_scenario"), "value", BLANK)
        return
    if chosen and chosen not in names:
        add("no deployment rows for this demand scenario; the deployment sheet has "
            + (", ".join(names) or "only rows for 'all'") + _suggest(chosen, names) + " (setting demand_scenario)",
            "settings", rows["settings"].get("demand_scenario"), "value", chosen)
        return
    scen = chosen or (names[0] if names else "all")
    in_horizon = [rec["deployment"] for (s, p, y), rec in T["deployment"].items()
                  if s in (scen, "all") and first <= y <= last]
    if not any(v > 0 for v in in_horizon):
        srows = [r for (s, _, _), r in rows["deployment"].items() if s == scen]
        add(f"demand scenario {scen} has no deployment in the horizon {first}-{last}: every product "
            "would have zero demand", "deployment", _rows_text(srows) if srows else None,
            "demand_scenario", scen)
