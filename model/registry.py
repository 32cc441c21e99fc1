"""The one registry of every input set and parameter.

Everything about the input contract comes from here: the blank template (with its README sheet,
units and drop-downs), the reader's header and type checks, the validation of ranges and keys,
and the input reference table in ``docs/inputs.md``. A new parameter is one ``Column`` in one
``Table`` below plus the model code that uses it.
"""
from __future__ import annotations

from dataclasses import dataclass

STAGES = ("extraction", "processing", "recycling")
DOMESTIC = "EU"  # the id of the domestic origin in the countries set
REQUIRED = object()  # sentinel: the column has no default
UNLIMITED = float("inf")  # default for bounds left blank

# Ranges of every number (docs/inputs.md, docs/reliability.md): the bounds are far beyond any
# real case and well inside what the solver can take (HiGHS reads 1e20 as infinity; costs near
# 1e15 lose every digit of a realistic price), so a wrong unit or a typo is caught at the cell.
MAX_TONNES = 1e10  # t, t/yr: ten billion tonnes (world iron ore output is about 2.5 billion t/yr)
MIN_TONNES = 1e-6  # t, t/yr: a quantity is 0 or at least a gram (smaller is below the solver's tolerances)
MAX_EUR_PER_T = 1e10  # EUR/t, EUR/(t/yr): prices, values of lost load, capex, penalties
YEAR_MIN, YEAR_MAX = 1900, 2200  # every year: the sets, start years, build years, base year
MAX_CASE_NAME = 80  # characters of case_name (it becomes part of the run folder's name)
DISCOUNT_WEIGHT_RANGE = (1e-6, 1e6)  # discount factors of the horizon's years must stay inside
UNIT_RANGES = {  # unit -> (lowest, highest) for number columns that do not set their own
    "t": (0.0, MAX_TONNES), "t/yr": (0.0, MAX_TONNES),
    "EUR/t": (0.0, MAX_EUR_PER_T), "EUR/(t/yr)": (0.0, MAX_EUR_PER_T),
    "EUR/(t/yr)/yr": (0.0, MAX_EUR_PER_T), "EUR/t/yr": (0.0, MAX_EUR_PER_T),
    "x": (0.0, 1000.0), "year": (YEAR_MIN, YEAR_MAX), "yr": (0, 100), "days": (0.0, 3650.0),
}
# Sheets users may add on purpose (notes, workings): names starting with these words, in any case.
EXTRA_SHEET_PREFIXES = ("notes", "readme", "sources", "workings")

# Columns every parameter sheet may carry for provenance (never used by the model). data_year: the
# year(s) of the data the row's numbers were read for (not the model year), e.g. '2024' or
# '2016-2020; 2024'.
PROVENANCE = ("source", "confidence", "note", "data_year")
CONFIDENCE_GRADES = ("A", "B", "C")


@dataclass(frozen=True)
class Column:
    """One column of an input sheet.

    kind: 'key' (checked against a declared set or a fixed choice list), 'number', 'integer',
    'text', 'choice' (one of ``choices``), 'bool' (yes/no).
    """

    name: str
    kind: str
    unit: str = ""
    default: object = REQUIRED
    lo: float | None = None
    hi: float | None = None
    set: str | None = None  # for keys and country-valued columns: the declared set checked against
    choices: tuple = ()
    description: str = ""
    blank_means: str = ""  # how a blank cell is read, for the docs (e.g. 'unlimited')

    def __post_init__(self):
        # a number without bounds of its own takes the range of its unit (UNIT_RANGES)
        if self.kind in ("number", "integer") and self.unit in UNIT_RANGES:
            lo, hi = UNIT_RANGES[self.unit]
            if self.lo is None:
                object.__setattr__(self, "lo", lo)
            if self.hi is None:
                object.__setattr__(self, "hi", hi)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def header(self) -> str:
        return f"{self.name} [{self.unit}]" if self.unit else self.name


@dataclass(frozen=True)
class Table:
    sheet: str
    keys: tuple[Column, ...]
    values: tuple[Column, ...]
    description: str
    topic: str
    required: bool = False  # must the sheet exist (and hold at least one row)?
    wildcard_keys: tuple[str, ...] = ()  # key columns that also accept 'all'
    optional_keys: tuple[str, ...] = ()  # key columns that may be blank

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.keys + self.values

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _key(name: str, set_name: str, description: str) -> Column:
    return Column(name, "key", set=set_name, description=description)


MATERIAL = _key("material", "material", "material id, declared in the sets sheet")
COUNTRY = _key("country", "country", "country id, declared in the sets sheet (EU = domestic)")
YEAR = _key("year", "year", "year, declared in the sets sheet")
STAGE = _key("stage", "stage", "value-chain stage: extraction, processing or recycling")
SCENARIO = _key("scenario", "scenario", "scenario id, declared in the scenarios sheet")

# ---------------------------------------------------------------------------------------------
# The sets sheet: one column per set, one element per row. Key columns everywhere else are
# checked against it, and the template offers its columns as drop-down lists.
# ---------------------------------------------------------------------------------------------
SETS_SHEET = "sets"
SETS = {
    "material": "materials modelled (ids such as gallium, ndpr)",
    "country": f"countries / origins; '{DOMESTIC}' is the EU itself and must be declared",
    "stage": "value-chain stages; a subset of extraction, processing, recycling",
    "year": "consecutive years of the horizon (integers)",
}

SETTINGS = Table(
    sheet="settings",
    keys=(Column("setting", "key", set="setting", description="setting name"),),
    values=(Column("value", "text", default="", description="setting value"),),
    description="Run-wide settings, one per row. Unlisted settings take their default.",
    topic="run",
)


@dataclass(frozen=True)
class Setting:
    name: str
    kind: str
    default: object
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()
    description: str = ""


SETTING_DEFS = (
    Setting("case_name", "text", "case", hi=MAX_CASE_NAME,
            description="name of the case, used in the run folder name (at most "
            f"{MAX_CASE_NAME} characters)"),
    Setting("discount_rate", "number", 0.05, "share/yr", 0.0, 1.0,
            description="real discount rate for present values and capital annuities"),
    Setting("base_year", "integer", None, "year", YEAR_MIN, YEAR_MAX, description="year to which costs are discounted "
            "(blank: the first year of the horizon)"),
    Setting("benchmark_basis", "choice", "capacity", choices=("capacity", "flow"),
            description="default basis of the extraction, processing and recycling benchmarks: "
            "'capacity' (able to produce, as the Regulation words it) or 'flow' (actual output)"),
    Setting("processing_counts_recycling", "choice", "no", choices=("no", "yes"),
            description="yes: the processing benchmark counts EU recycling too (capacity up to its "
            "end-of-life feedstock, or output on the flow basis), as Regulation (EU) 2024/1252 Art. 2(8) "
            "defines processing as turning a raw material from ores, minerals, plant products or waste "
            "into metals, alloys and other forms; no: processing counts refining from ore and "
            "concentrate only (the primary basis of the JRC's EU sourcing shares). Recycling is counted "
            "by the recycling benchmark either way"),
    Setting("aggregate_countries", "text", "RW",
            description="comma-separated country ids that stand for groups of countries (e.g. RW, "
            "the rest of the world): exempt from the single-country cap, which is about one country"),
    Setting("soft_benchmarks", "choice", "no", choices=("no", "yes"),
            description="yes: every hard benchmark becomes soft at 10 x the largest value of lost "
            "load per tonne, so that an infeasible case reports its cheapest violation"),
    Setting("time_limit", "number", 600.0, "s", 1.0, 1e6, description="solver time limit"),
    Setting("mip_gap", "number", 1e-4, "share", 0.0, 1.0, description="relative MIP gap"),
    Setting("threads", "integer", 0, "", 0, 256, description="solver threads (0: HiGHS chooses)"),
    Setting("risk_weight", "number", 0.0, "", 0.0, 1000.0,
            description="lambda: the objective is expected cost + lambda x CVaR of the cost "
            "(0: risk neutral)"),
    Setting("cvar_alpha", "number", 0.95, "share", 0.0, 0.9999,
            description="CVaR level alpha: CVaR is the mean cost of the worst 1 - alpha of outcomes"),
    Setting("purchasing_reports", "choice", "auto", choices=("auto", "yes", "no"),
            description="solve every coalition of buyers for savings, Shapley values and the core "
            "check; auto: with 2 to 6 buyers"),
    Setting("stochastic_reports", "choice", "auto", choices=("auto", "yes", "no"),
            description="compute the value of the stochastic solution (VSS) and the expected value "
            "of perfect information (EVPI); auto: when there are 2 to 50 scenarios"),
    Setting("demand_source", "choice", "auto", choices=("auto", "technologies", "demand_sheet"),
            description="where material demand and end-of-life arisings come from: technologies "
            "(deployment x intensity, lifetimes; sheets products, deployment, intensity) or the "
            "demand sheet; auto: technologies for every material with intensity rows, the demand "
            "sheet for the others"),
    Setting("demand_scenario", "text", "", hi=MAX_CASE_NAME,
            description="the demand scenario of the deployment sheet the run uses (blank: the only "
            "one there is)"),
)
SETTINGS_BY_NAME = {s.name: s for s in SETTING_DEFS}

MATERIALS = Table(
    sheet="materials",
    keys=(MATERIAL,),
    values=(
        Column("strategic", "bool", default=True,
               description="strategic raw material (Annex I): benchmarks with material 'all' apply"),
        Column("voll", "number", "EUR/t", lo=0.0,
               description="value of lost load: cost per tonne of demand left unmet"),
        Column("processing_yield", "number", "share", default=1.0, lo=1e-6, hi=1.0,
               description="tonnes of refined material per tonne of contained material in "
               "ore/concentrate fed to EU processing"),
        Column("recycling_yield", "number", "share", default=1.0, lo=0.0, hi=1.0,
               description="tonnes of refined material recovered per tonne of collected end-of-life "
               "material"),
        Column("benchmark_basis", "choice", default="", choices=("capacity", "flow", ""),
               description="overrides the run's benchmark basis for this material", blank_means="run default"),
        Column("name", "text", default="", description="readable name"),
    ),
    description="One row per material: value of lost load, yields and benchmark basis.",
    topic="materials",
    required=True,
)

DEMAND = Table(
    sheet="demand",
    keys=(MATERIAL, YEAR),
    values=(
        Column("demand", "number", "t", lo=0.0, description="EU consumption of refined material"),
        Column("eol_arising", "number", "t", default=0.0, lo=0.0,
               description="end-of-life material arising in the EU (contained)"),
        Column("collection_rate", "number", "share", default=0.0, lo=0.0, hi=1.0,
               description="share of end-of-life arisings that can be collected for recycling"),
    ),
    description="EU consumption and end-of-life feedstock per material and year.",
    topic="sourcing",
    required=True,
)

SUPPLY = Table(
    sheet="supply",
    keys=(MATERIAL, COUNTRY, STAGE, YEAR),
    values=(
        Column("available", "number", "t/yr", default=UNLIMITED, lo=0.0, blank_means="unlimited",
               description="what the country can sell to the EU at this stage in this year: refined "
               "material (stage processing) or contained material in ore/concentrate (stage extraction)"),
        Column("price", "number", "EUR/t", lo=0.0,
               description="delivered price per tonne of contained material"),
    ),
    description="Third-country offers: refined material (stage processing) and ore/concentrate for "
    "refining in the EU (stage extraction). EU mining and refining come from the capacity sheets.",
    topic="sourcing",
    required=True,
)

UPSTREAM = Table(
    sheet="upstream",
    keys=(MATERIAL, COUNTRY, Column("origin", "key", set="country",
                                    description="country where the ore was mined")),
    values=(Column("share", "number", "share", lo=0.0, hi=1.0,
                   description="share of the refiner's output made from ore mined in origin"),),
    description="Upstream origin of refined imports: refiner country -> mining country shares, "
    "summing to 1 per material and refiner. A refiner without rows refines its own ore.",
    topic="sourcing",
)

MATERIAL_OR_GROUP = Column("material", "key", set="material_or_group",
                           description="material id, or a co-product group of sheet coproducts (a plant "
                           "that yields its members together)")

TECHNOLOGY = Table(
    sheet="technology",
    keys=(MATERIAL_OR_GROUP, STAGE),
    values=(
        Column("capex", "number", "EUR/(t/yr)", default=0.0, lo=0.0,
               description="investment per t/yr of new capacity"),
        Column("fixed_om", "number", "EUR/(t/yr)/yr", default=0.0, lo=0.0,
               description="fixed operation and maintenance per t/yr of available capacity"),
        Column("variable_om", "number", "EUR/t", default=0.0, lo=0.0,
               description="variable cost per tonne of output (extraction: per tonne mined)"),
        Column("lifetime", "integer", "yr", default=25, lo=1, hi=100,
               description="economic lifetime of new capacity"),
        Column("lead_time", "integer", "yr", default=0, lo=0, hi=30,
               description="years from the build decision to the first year of operation"),
        Column("earliest_build_year", "integer", "year", default=None, blank_means="first year",
               description="first year in which a build decision may be taken"),
        Column("max_build_per_year", "number", "t/yr", default=UNLIMITED, lo=0.0,
               blank_means="unlimited", description="most new capacity coming online in one year"),
        Column("max_capacity", "number", "t/yr", default=UNLIMITED, lo=0.0, blank_means="unlimited",
               description="most capacity available in any year (reserves, sites)"),
        Column("module_size", "number", "t/yr", default=0.0, lo=0.0, blank_means="continuous",
               description="plant size: new capacity comes in whole modules (the model becomes a MIP)"),
    ),
    description="EU capacity options per material and stage. Without a row, a stage cannot be built.",
    topic="capacity",
)

CAPACITY_EXISTING = Table(
    sheet="capacity_existing",
    keys=(MATERIAL_OR_GROUP, STAGE, YEAR),
    values=(Column("capacity", "number", "t/yr", lo=0.0,
                   description="EU capacity in place (after retirements) in this year"),),
    description="Existing EU capacity by year; years without a row have none.",
    topic="capacity",
)

STOCKPILE = Table(
    sheet="stockpile",
    keys=(MATERIAL,),
    values=(
        Column("initial_stock", "number", "t", default=0.0, lo=0.0,
               description="strategic stock at the start of the first year"),
        Column("max_stock", "number", "t", default=UNLIMITED, lo=0.0, blank_means="unlimited",
               description="largest stock that may be held"),
        Column("holding_cost", "number", "EUR/t/yr", default=0.0, lo=0.0,
               description="storage and cost of capital per tonne held for a year"),
        Column("coverage_days", "number", "days", default=0.0, lo=0.0, hi=3650.0,
               description="coverage rule: stock >= days/365 x the annual basis quantity"),
        Column("coverage_basis", "choice", default="consumption",
               choices=("consumption", "net_imports", "imports_from"),
               description="what the coverage rule covers: consumption, net imports, or imports "
               "from coverage_country"),
        Column("coverage_country", "text", default="", set="country", blank_means="none",
               description="the country whose imports are covered (basis imports_from)"),
        Column("coverage_from_year", "integer", "year", default=None, blank_means="first year",
               description="first year in which the coverage rule applies"),
    ),
    description="Strategic stockpile per material. Materials without a row hold no stock.",
    topic="stockpile",
)

BENCHMARK_IDS = ("extraction", "processing", "recycling", "single_country")
BENCHMARKS = Table(
    sheet="benchmarks",
    keys=(
        Column("benchmark", "key", choices=BENCHMARK_IDS,
               description="extraction, processing, recycling (EU share, at least) or single_country "
               "(largest third-country share, at most)"),
        Column("material", "key", set="material",
               description="material id, or 'all' for every strategic material"),
        Column("stage", "key", set="stage", description="single_country only: the stage the cap "
               "applies to; blank = extraction and processing"),
    ),
    values=(
        Column("level", "number", "share", lo=0.0, hi=1.0, description="benchmark level"),
        Column("start_year", "integer", "year", description="first year the full level applies"),
        Column("ramp_from_year", "integer", "year", default=None, blank_means="no ramp",
               description="the level rises linearly from 0 in this year to the full level in "
               "start_year"),
        Column("basis", "choice", default="", choices=("capacity", "flow", ""), blank_means="run/material default",
               description="extraction/processing/recycling only: capacity or flow basis"),
        Column("enforcement", "choice", default="hard", choices=("hard", "soft"),
               description="hard: must hold; soft: a shortfall is allowed at the penalty"),
        Column("penalty", "number", "EUR/t", default=0.0, lo=0.0,
               description="soft only: cost per tonne of shortfall"),
    ),
    description="CRMA benchmarks (Regulation (EU) 2024/1252 Art. 5) as data. A row for a material "
    "overrides the 'all' row of the same benchmark and stage.",
    topic="benchmarks",
    wildcard_keys=("material",),
    optional_keys=("stage",),
)

SCENARIOS = Table(
    sheet="scenarios",
    keys=(SCENARIO,),
    values=(Column("probability", "number", "share", lo=0.0, hi=1.0,
                   description="probability; all scenarios sum to 1"),
            Column("description", "text", default="", description="what the scenario is"),
            Column("demand_scenario", "text", default="", description="the demand scenario of the "
                   "deployment sheet this scenario carries (blank: the run's demand, or one copy per "
                   "row of sheet demand_scenarios)")),
    description="Disruption scenarios and their probabilities. The scenario 'nominal' (no "
    "disruption) always exists: unless listed, it takes the probability the others leave. Without "
    "rows: 'nominal' alone with probability 1 (the deterministic model).",
    topic="scenarios",
)

DISRUPTIONS = Table(
    sheet="disruptions",
    keys=(SCENARIO, Column("material", "key", set="material_or_host",
                           description="material id, or a host id of sheet byproducts (e.g. alumina, "
                           "zinc): the disruption then reaches the host's by-products"), COUNTRY, STAGE,
          Column("start_year", "number", "year", description="start, fractional (2028.5 = 1 July 2028)")),
    values=(
        Column("duration", "number", "yr", lo=0.0, hi=100.0, description="duration in years (may be "
               "a fraction)"),
        Column("severity", "number", "share", lo=0.0, hi=1.0,
               description="share of the country's supply at that stage lost while the event lasts"),
        Column("price_multiplier", "number", "x", default=1.0, lo=0.0,
               description="multiplier on the country's price at that stage while the event lasts"),
    ),
    description="Disruption events; a scenario may hold several. The share of a year an event "
    "covers scales its severity and price effect in that year.",
    topic="scenarios",
    wildcard_keys=("material",),
)

BUYER = Column("buyer", "key", set="buyer", description="buyer id (member state, company or "
               "consortium), declared in the buyers sheet")
BUYERS = Table(
    sheet="buyers",
    keys=(BUYER, MATERIAL, YEAR),
    values=(Column("demand", "number", "t", lo=0.0, description="the buyer's own demand"),),
    description="Buyers and their own demand (joint purchasing). Per material and year the buyers' "
    "demands must add up to the demand sheet. Without rows: one buyer, the EU.",
    topic="purchasing",
)

TIERS = Table(
    sheet="tiers",
    keys=(MATERIAL, COUNTRY, STAGE, Column("tier", "key", set=None, description="tier number (1, 2, ...)")),
    values=(
        Column("min_volume", "number", "t/yr", lo=0.0,
               description="the tier's price applies to the whole annual volume bought from this offer "
               "when the volume is at least this (all-units discount)"),
        Column("price", "number", "EUR/t", lo=0.0, description="price per tonne in this tier"),
    ),
    description="Volume-discount tiers of a supplier offer (replace the supply row's price; the "
    "model becomes a MIP). The tier with the highest min_volume not above the volume applies.",
    topic="purchasing",
)

CONTRACTS = Table(
    sheet="contracts",
    keys=(Column("contract", "key", set=None, description="contract id"),),
    values=(
        Column("material", "text", set="material", description="material"),
        Column("country", "text", set="country", description="supplier country"),
        Column("stage", "choice", default="processing", choices=("processing", "extraction"),
               description="processing: refined material; extraction: ore for EU refining"),
        Column("price", "number", "EUR/t", lo=0.0, description="fixed price, not exposed to price shocks"),
        Column("min_take", "number", "t/yr", default=0.0, lo=0.0,
               description="smallest annual volume if the contract is signed"),
        Column("max_take", "number", "t/yr", lo=0.0, description="largest annual volume"),
        Column("start_year", "integer", "year", description="first delivery year"),
        Column("duration", "integer", "yr", default=10, lo=1, hi=100, description="delivery years"),
        Column("buyer", "text", default="", set="buyer", blank_means="any buyer",
               description="the buyer holding the contract (coalition analysis)"),
    ),
    description="Long-term offtake contracts: the annual volume is chosen before disruptions are "
    "known (first stage), delivered at the fixed price whatever the spot price, and lost in "
    "proportion to a physical disruption of its country.",
    topic="purchasing",
)

BYPRODUCTS = Table(
    sheet="byproducts",
    keys=(MATERIAL, Column("host", "key", set=None,
                           description="host material or stream the by-product rides on (a material "
                           "id, or e.g. zinc, with its output in sheet host_output)")),
    values=(
        Column("host_stage", "choice", default="processing", choices=("processing", "extraction"),
               description="which throughput of the host carries the by-product (processing: refining "
               "of the host, e.g. alumina for gallium, zinc smelting for germanium)"),
        Column("content", "number", "t/t", lo=0.0, hi=1.0,
               description="by-product contained per tonne of host throughput"),
        Column("recovery", "number", "share", lo=0.0, hi=1.0,
               description="share of the contained by-product a recovery plant recovers"),
    ),
    description="By-products: a material recovered from the residues or streams of a host. EU "
    "recovery is EU processing of the by-product (processing capacity of the material, built like "
    "any other), at most host throughput x content x recovery; a third country's supply of the "
    "by-product is bounded by its host output (sheet host_output) the same way, and a disruption of "
    "the host cuts its by-products by the same share.",
    topic="byproducts",
)

HOST_OUTPUT = Table(
    sheet="host_output",
    keys=(Column("host", "key", set=None, description="host id, as in sheet byproducts"), COUNTRY, YEAR),
    values=(Column("output", "number", "t/yr", lo=0.0,
                   description="throughput of the host stream (e.g. alumina refined, zinc smelted)"),),
    description="Host throughput per country and year. Country EU gives the EU's throughput of a host "
    "that is not a material of the model (a modelled host's EU throughput is the model's own flow).",
    topic="byproducts",
)

COPRODUCTS = Table(
    sheet="coproducts",
    keys=(Column("group", "key", set=None, description="co-product group id: a plant that yields its "
                 "members in fixed ratios (a rare-earth separation plant, a PGM mine); its capacity and "
                 "costs are technology / capacity_existing rows under this id (t/yr of group output)"),
          MATERIAL),
    values=(
        Column("share", "number", "t/t", lo=0.0, hi=1.0,
               description="tonnes of the material per tonne of group output (refined equivalent at "
               "processing, contained at extraction)"),
        Column("stage", "choice", default="processing", choices=("processing", "extraction"),
               description="the stage at which the group yields the material"),
        Column("surplus_value", "number", "EUR/t", default=0.0, lo=0.0,
               description="what a tonne of surplus fetches when sold outside the EU's needs (0: "
               "disposed of); a surplus may also go into the strategic stock"),
    ),
    description="Co-products: a plant that yields several materials at once in fixed ratios. The "
    "group's output is a decision bounded by its capacity; each member receives share x output, and "
    "what the EU does not need is a surplus (sold at surplus_value, or disposed of).",
    topic="byproducts",
)

# ---------------------------------------------------------------------------------------------
# Technology-driven demand (model/demand.py, model/blocks/technologies.py): products that use
# materials, their deployment per demand scenario, material intensities, lifetimes, collection and
# recycling, and substitution between them.
# ---------------------------------------------------------------------------------------------
PRODUCT = Column("product", "key", set="product", description="product id (a technology or chemistry "
                 "that uses materials, e.g. ev_battery_nmc811), declared in the products sheet")
LIFETIME_MODELS = ("fixed", "normal", "weibull")
PRODUCTS = Table(
    sheet="products",
    keys=(PRODUCT,),
    values=(
        Column("unit", "text", default="", description="the unit deployment is counted in (GWh, GW, "
               "million vehicles, t of product, ...)"),
        Column("lifetime_model", "choice", default="fixed", choices=LIFETIME_MODELS,
               description="lifetime distribution of the product in use: fixed (every unit leaves "
               "at the lifetime), normal (mean lifetime, sd lifetime_sd) or weibull (mean lifetime, "
               "shape weibull_shape)"),
        Column("lifetime", "number", "yr", description="mean lifetime in use (> 0)"),
        Column("lifetime_sd", "number", "yr", default=0.0, lo=0.0,
               description="normal only: standard deviation of the lifetime (> 0)"),
        Column("weibull_shape", "number", "", default=0.0, lo=0.0, hi=50.0,
               description="weibull only: shape parameter k (> 0); the scale is lifetime / "
               "Gamma(1 + 1/k)"),
        Column("collection_rate", "number", "share", default=0.0, lo=0.0, hi=1.0,
               description="share of end-of-life units collected for recycling in the EU"),
        Column("description", "text", default="", description="what the product is"),
    ),
    description="Products (technologies) that use materials. With intensity and deployment rows "
    "they make the demand of their materials (inflow) and the end-of-life arising (outflow).",
    topic="technologies",
)

DEPLOYMENT = Table(
    sheet="deployment",
    keys=(Column("demand_scenario", "key", set=None, description="demand scenario id, or 'all' "
                 "for rows that hold in every scenario (history)"),
          PRODUCT,
          Column("year", "integer", "year", description="year; years before the horizon are the "
                 "history that fills the stock in use")),
    values=(Column("deployment", "number", "unit/yr", lo=0.0, hi=1e12,
                   description="units of the product put into use in the EU in the year (the "
                   "product's unit)"),),
    description="Deployment of products per demand scenario and year, history included. A year "
    "without a row has no deployment.",
    topic="technologies",
    wildcard_keys=("demand_scenario",),
)

DEMAND_SCENARIOS = Table(
    sheet="demand_scenarios",
    keys=(Column("demand_scenario", "key", set=None, description="demand scenario id of the deployment "
                 "sheet"),),
    values=(Column("probability", "number", "share", lo=0.0, hi=1.0,
                   description="probability; the demand scenarios' sum to 1"),
            Column("description", "text", default="", description="what the demand scenario is")),
    description="Demand uncertainty: with rows here every scenario that names no demand scenario of "
    "its own becomes one scenario '<scenario>|<demand scenario>' per row, with probability the "
    "product of the two (the second stage then carries the demand of each).",
    topic="technologies",
)

INTENSITY = Table(
    sheet="intensity",
    keys=(PRODUCT, MATERIAL),
    values=(
        Column("intensity", "number", "t/unit", lo=0.0, hi=1e6, description="tonnes of the material in one unit of "
               "the product (refined material, as the demand sheet counts it) in base_year"),
        Column("annual_change", "number", "share/yr", default=0.0, lo=-1.0, hi=1.0,
               description="relative change per year of the intensity of new units (-0.02: 2 % less "
               "each year); a unit keeps the intensity of its year of deployment"),
        Column("base_year", "integer", "year", default=None, blank_means="first year",
               description="the year the intensity is for"),
        Column("recycling_efficiency", "number", "share", default=0.0, lo=0.0, hi=1.0,
               description="tonnes of refined material recovered per tonne in collected end-of-life "
               "units"),
    ),
    description="Material intensity of products and the recovery of each material when they are "
    "recycled.",
    topic="technologies",
)

SUBSTITUTION = Table(
    sheet="substitution",
    keys=(PRODUCT, Column("alternative", "key", set="product",
                          description="the product that replaces it (its own intensities and lifetime)")),
    values=(
        Column("max_share", "number", "share", lo=0.0, hi=1.0,
               description="largest share of the product's deployment that may be replaced in a year"),
        Column("cost", "number", "EUR/unit", default=0.0, lo=-MAX_EUR_PER_T, hi=MAX_EUR_PER_T,
               description="extra cost of one unit of the alternative instead of the product "
               "(negative: it is cheaper)"),
        Column("start_year", "integer", "year", default=None, blank_means="first year",
               description="first year the replacement is possible"),
    ),
    description="Substitution as a decision: the model may deploy the alternative instead of part "
    "of the product, at a cost and up to a share per year; demand and end-of-life flows follow.",
    topic="technologies",
)

TABLES: tuple[Table, ...] = (
    SETTINGS, MATERIALS, DEMAND, SUPPLY, UPSTREAM, TECHNOLOGY, CAPACITY_EXISTING, STOCKPILE,
    BENCHMARKS, SCENARIOS, DISRUPTIONS, BUYERS, TIERS, CONTRACTS, BYPRODUCTS, HOST_OUTPUT, COPRODUCTS,
    PRODUCTS, DEPLOYMENT, DEMAND_SCENARIOS, INTENSITY, SUBSTITUTION,
)
TABLES_BY_SHEET = {t.sheet: t for t in TABLES}
README_SHEET = "README"
