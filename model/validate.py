"""Validation at the door: cross-table checks that turn a cell-checked workbook into ModelData.

Every issue names the file, sheet, row and column and says what was expected; all issues are
collected and raised together so that a user fixes them in one pass.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict

from model import registry as R
from model.data import NOMINAL, ModelData
from model.errors import BLANK, Found, InputError, Issue
from model.demand import assign_demand_scenarios, covered_materials, demand_scenarios, with_technology_demand
from model.io.cell_rules import parse_setting
from model.io.read import RawWorkbook, _normal, read_workbook, suggest

SHARE_TOLERANCE = 1e-6


def load(path) -> ModelData:
    """Read, check and return the input of one run (raises InputError with every problem)."""
    return validate(read_workbook(path, check_names=sheet_name_issues))


# ---- sheet names --------------------------------------------------------------------------------
# Letters of other scripts that look like Latin ones (a sheet name typed on another keyboard layout).
_LOOKALIKE = dict(zip("\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0455\u0458\u043a\u043c\u043d\u0442\u0432"
                      "\u03bf\u03b1\u03b9\u03ba\u03bd\u03c1\u03c4\u03c5",
                      "aeopcyxisjkmhtbo" "aikvptu"))


def contract_sheets() -> list[str]:
    """The sheet names of the input contract, in workbook order."""
    return [R.README_SHEET, R.SETS_SHEET] + [t.sheet for t in R.TABLES]


def extra_sheet_allowed(name: str) -> bool:
    """A sheet a user adds on purpose: its name starts with one of R.EXTRA_SHEET_PREFIXES."""
    return str(name).strip().lower().startswith(R.EXTRA_SHEET_PREFIXES)


def sheet_name_issues(names, file: str) -> list[Issue]:
    """Every sheet that is neither part of the contract nor an allowed extra sheet is an error.

    Names that differ from a contract sheet only in case or spaces are reported by the reader
    (which also uses them to explain a missing sheet); this reports all the others, with a hint:
    a copied sheet (Excel's 'stockpile (2)'), a letter of another script ('stоckpile' with a
    Cyrillic o), or the closest contract name.
    """
    known = contract_sheets()
    normal = {_normal(k) for k in known}
    allowance = ("sheets of your own are allowed when their names start with "
                 + ", ".join(f"'{p}'" for p in R.EXTRA_SHEET_PREFIXES) + " (any case)")
    issues = []
    for name in names:
        if name in known or extra_sheet_allowed(name) or _normal(name) in normal:
            continue
        copy = re.fullmatch(r"(.+?)\s*\(\d+\)", name)
        foreign = [ch for ch in name if ord(ch) > 127]
        folded = "".join(_LOOKALIKE.get(ch, ch) for ch in name)
        if copy and copy.group(1) in known:
            text = (f"a copy of sheet '{copy.group(1)}' (Excel names a copied sheet like this); the model "
                    f"reads only '{copy.group(1)}': delete the copy or merge its rows into "
                    f"'{copy.group(1)}', or rename it to start with 'notes' to keep it as notes")
        elif re.fullmatch(r"(Sheet|Tabelle|Feuil|Hoja|Foglio|Blad|Arkusz|Planilha)\s*\d+", name):
            text = (f"unknown sheet name: '{name}' is a spreadsheet program's name for a new sheet; delete "
                    f"it, or rename it to start with 'notes' to keep it")
        elif foreign:
            letters = ", ".join(f"'{ch}' ({unicodedata.name(ch, 'U+%04X' % ord(ch))})" for ch in foreign)
            hint = (f"; retype it as '{folded}'" if folded in known
                    else _suggest(folded, known).replace(" (did you mean", "; did you mean").rstrip(")"))
            text = f"unknown sheet name: it contains the non-Latin character(s) {letters}{hint}"
        else:
            text = f"unknown sheet name{_suggest(name, known)}"
        issues.append(Issue(file, f"{text}; the input sheets are: {', '.join(known)}; {allowance}",
                            sheet=name))
    return issues


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
    for year in years:
        if not R.YEAR_MIN <= year <= R.YEAR_MAX:
            add(f"expected a year from {R.YEAR_MIN} to {R.YEAR_MAX}", R.SETS_SHEET, raw.set_rows["year"][year],
                "year", year)
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
        if name not in R.SETTINGS_BY_NAME:
            add(parse_setting(name, None)[1], "settings", row, "setting", name)
            continue
        value, problem = parse_setting(name, rec["value"])
        if problem:
            shown = rec["value"]
            if isinstance(shown, str) and len(shown) > 40:
                shown = shown[:40] + "..."
            add(problem, "settings", row, "value", BLANK if rec["value"] == "" else shown)
        else:
            settings[name] = value
    if not issues:
        _discount_check(settings, setting_rows, years, add)

    # ---- keys against sets, duplicates ------------------------------------------------------
    scen_raw = raw.tables[R.SCENARIOS.sheet]
    declared = {k: set(v) for k, v in sets.items()}
    declared["scenario"] = {r["scenario"] for r in scen_raw.rows}
    declared["buyer"] = {r["buyer"] for r in raw.tables[R.BUYERS.sheet].rows}
    declared["material_or_host"] = declared["material"] | {r["host"] for r in raw.tables[R.BYPRODUCTS.sheet].rows}
    declared["material_or_group"] = declared["material"] | {r["group"] for r in raw.tables[R.COPRODUCTS.sheet].rows}
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
                                      else "column 'material' of the sets sheet or column 'host' of sheet "
                                      "byproducts" if col.set == "material_or_host"
                                      else "column 'material' of the sets sheet or column 'group' of sheet "
                                      "coproducts" if col.set == "material_or_group"
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


def _discount_check(settings, setting_rows, years, add) -> None:
    """The discount factors of the horizon stay within R.DISCOUNT_WEIGHT_RANGE (a base year far from
    the horizon at a high rate makes costs vanish or overflow)."""
    r = settings["discount_rate"]
    base = settings["base_year"] if settings["base_year"] is not None else years[0]
    lo, hi = R.DISCOUNT_WEIGHT_RANGE
    try:
        weights = [(1.0 + r) ** -(t - base) for t in (years[0], years[-1])]
    except OverflowError:
        weights = [math.inf]
    if all(lo <= w <= hi for w in weights):
        return
    name = "base_year" if "base_year" in setting_rows else "discount_rate"
    add(f"discounting at {r:g}/yr from base year {base} gives the years {years[0]}-{years[-1]} cost "
        f"weights outside {lo:g}-{hi:g} (costs would vanish or overflow in the solver); expected a base "
        f"year nearer the horizon or a lower discount_rate (setting {name})", "settings",
        setting_rows.get(name), "value", settings[name])


def _tiny_quantities(data: ModelData, add) -> None:
    """A quantity in t or t/yr is 0 or at least R.MIN_TONNES: smaller numbers (5e-324 typed or left
    by a formula) are below the solver's tolerances and make shares of consumption meaningless."""
    for table in R.TABLES:
        cols = [c.name for c in table.values if c.kind == "number" and c.unit in ("t", "t/yr")]
        for key, rec in data.tables.get(table.sheet, {}).items() if cols else ():
            for c in cols:
                v = rec[c]
                if isinstance(v, float) and 0.0 < abs(v) < R.MIN_TONNES:
                    add(f"expected 0 or a quantity of at least {R.MIN_TONNES:g} {table.column(c).unit} "
                        "(smaller numbers are below the solver's tolerances)",
                        table.sheet, data.rows[table.sheet][key], c, v)


def _cross_checks(data: ModelData, add) -> None:
    _tiny_quantities(data, add)
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
    _byproduct_checks(data, add)
    _coproduct_checks(data, add)


def _byproduct_checks(data: ModelData, add) -> None:
    """A by-product needs a host (a material of the model or host_output rows); no material is
    its own host, directly or through other by-products; a modelled host's EU throughput is the
    model's own flow, not data."""
    T, rows = data.tables, data.rows
    with_output = {h for (h, _, _) in T["host_output"]}
    materials = set(data.materials)
    hosts_of = defaultdict(set)
    for (b, h), rec in T["byproducts"].items():
        row = rows["byproducts"][(b, h)]
        if h == b:
            add("a material cannot be its own host", "byproducts", row, "host", h)
        elif h not in materials and h not in with_output:
            add("the host must be a material of the model or have rows in sheet host_output (its "
                "throughput per country and year)", "byproducts", row, "host", h)
        if h in materials:
            hosts_of[b].add(h)
    for (b, h), row in rows["byproducts"].items():
        seen, todo = set(), [h]
        while todo:
            x = todo.pop()
            if x == b:
                add(f"hosts form a cycle: {b} rides on {h}, which rides (through other by-products) on "
                    f"{b}", "byproducts", row, "host", h)
                break
            if x not in seen:
                seen.add(x)
                todo.extend(hosts_of.get(x, ()))
    for (h, c, t), row in rows["host_output"].items():
        if c == R.DOMESTIC and h in materials:
            add(f"{h} is a material of the model: its EU throughput is the model's own flow; remove the "
                "row (or use a host id that is not a material)", "host_output", row, "country", c)


def _coproduct_checks(data: ModelData, add) -> None:
    """A co-product group is not a material, yields each member at one stage, has a positive total
    share, and capacity to build or in place."""
    T, rows = data.tables, data.rows
    materials = set(data.materials)
    total = defaultdict(float)
    for (g, m), rec in T["coproducts"].items():
        row = rows["coproducts"][(g, m)]
        total[g] += rec["share"]
        if g in materials:
            add("a co-product group id must not be a material id", "coproducts", row, "group", g)
    for g, s in total.items():
        grow = [r for (gg, _), r in rows["coproducts"].items() if gg == g]
        if s <= 0:
            add(f"the shares of group {g} must sum to a positive total", "coproducts", _rows_text(grow), "share",
                Found(f"shares summing to {s:g}"))
        if not any(k[0] == g for k in T["technology"]) and not any(k[0] == g for k in T["capacity_existing"]):
            add(f"group {g} needs a technology or capacity_existing row (its plant)", "coproducts",
                _rows_text(grow), "group", g)
    for (m, k), row in rows["technology"].items():
        if m in total and not any(gg == m and rec["stage"] == k for (gg, _), rec in T["coproducts"].items()):
            add(f"group {m} yields its members at another stage", "technology", row, "stage", k)
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
    assign_demand_scenarios(data)


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
    carries = _demand_scenario_checks(data, demand_scenarios(data), add)
    if carries and not covered_materials(data):
        add("the scenarios carry demand scenarios, but no material takes its demand from the "
            "technologies (give deployment and intensity rows, and demand_source not demand_sheet)",
            "demand_scenarios" if T.get("demand_scenarios") else "scenarios", None, "demand_scenario",
            next(iter(T.get("demand_scenarios") or [""])))
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
    if carries:
        return
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


def _demand_scenario_checks(data: ModelData, names: list, add) -> bool:
    """Demand scenarios in the scenarios (column demand_scenario of sheet scenarios, sheet
    demand_scenarios) name demand scenarios of the deployment sheet; their probabilities sum to 1.
    True when the scenarios carry demand scenarios (the setting demand_scenario is then optional)."""
    T, rows = data.tables, data.rows
    named = [(w, rec.get("demand_scenario")) for w, rec in T["scenarios"].items() if rec.get("demand_scenario")]
    for w, d in named:
        if d not in names:
            add("no deployment rows for this demand scenario; the deployment sheet has "
                + (", ".join(names) or "only rows for 'all'") + _suggest(d, names), "scenarios",
                rows["scenarios"][w], "demand_scenario", d)
    dist = T.get("demand_scenarios", {})
    for d in dist:
        if d not in names:
            add("no deployment rows for this demand scenario; the deployment sheet has "
                + (", ".join(names) or "only rows for 'all'") + _suggest(d, names), "demand_scenarios",
                rows["demand_scenarios"][d], "demand_scenario", d)
    if dist:
        total = sum(rec["probability"] for rec in dist.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            add(f"the demand scenario probabilities must sum to 1 (they sum to {total:.6g})", "demand_scenarios",
                _rows_text(rows["demand_scenarios"].values()), "probability", round(total, 6))
    return bool(named or dist)
