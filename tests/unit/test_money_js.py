"""The sell screen's money.js prices lines and sums the tax by rate exactly as core/tax.py
does: both run on the same cases (tables of rounding edges, and generated sales in both
store modes, several rates and three currencies) and must agree to the last unit.

Node.js runs the module; without `node` the test is skipped, except with CI=true where a
missing runtime fails (`.ci/run` installs Debian's `nodejs`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.core.money import round_to_increment
from comptoir.core.tax import LineAmounts, Rate, TaxComponent, price_line, total_sale

ROOT = Path(__file__).resolve().parents[2]
MONEY_JS = ROOT / "src/comptoir/web/static/js/money.js"
RUNNER = Path(__file__).with_name("money_js_runner.mjs")
CURRENCY_OF_DIGITS = {0: "JPY", 2: "EUR", 3: "KWD"}

VAT_20 = [("vat20", "VAT 20%", "0.2")]
VAT_5_5 = [("vat55", "VAT 5.5%", "0.055")]
GST_QST = [("gst", "GST", "0.05"), ("qst", "QST", "0.09975")]


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but Node.js (node) is not on PATH: money.js cannot be checked")
        pytest.skip("Node.js (node) is not on PATH")
    return found


def sale_case(
    lines: list[tuple[str, str, list[tuple[str, str, str]]]], *, inclusive: bool, digits: int = 2
) -> dict[str, Any]:
    return {
        "digits": digits,
        "taxInclusive": inclusive,
        "lines": [
            {
                "unitPrice": unit,
                "quantity": quantity,
                "rates": [{"id": i, "name": n, "rate": r} for i, n, r in rates],
            }
            for unit, quantity, rates in lines
        ],
    }


def run_money_js(node: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [node, str(RUNNER), str(MONEY_JS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def _component(c: TaxComponent) -> dict[str, Decimal | str]:
    return {"rate_id": c.rate_id, "name": c.name, "rate": c.rate, "amount": c.amount}


def _line(amounts: LineAmounts) -> dict[str, Any]:
    return {
        "unit_price_excluding_tax": amounts.unit_price_excluding_tax,
        "unit_price_including_tax": amounts.unit_price_including_tax,
        "unit_tax": amounts.unit_tax,
        "net": amounts.net,
        "tax": amounts.tax,
        "gross": amounts.gross,
        "components": [_component(c) for c in amounts.components],
    }


def priced_by_python(case: dict[str, Any]) -> dict[str, Any]:
    lines = [
        price_line(
            unit_price=Decimal(line["unitPrice"]),
            quantity=Decimal(line["quantity"]),
            rates=[
                Rate(id=r["id"], name=r["name"], rate=Decimal(r["rate"])) for r in line["rates"]
            ],
            tax_inclusive=case["taxInclusive"],
            currency=CURRENCY_OF_DIGITS[case["digits"]],
            discount=Decimal(line.get("discount", "0")),
        )
        for line in case["lines"]
    ]
    sale = total_sale(lines)
    return {
        "lines": [_line(a) for a in lines],
        "net": sale.net,
        "tax": sale.tax,
        "gross": sale.gross,
        "taxes": [_component(c) for c in sale.components],
    }


def as_decimals(value: Any) -> Any:
    """money.js answers decimal strings; amounts compare as numbers (2.10 == 2.1)."""
    if isinstance(value, dict):
        return {k: v if k in ("rate_id", "name") else as_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_decimals(v) for v in value]
    return Decimal(value)


def assert_same(node: str, cases: list[dict[str, Any]]) -> None:
    by_js = run_money_js(node, cases)
    assert len(by_js) == len(cases)
    for case, js in zip(cases, by_js, strict=True):
        python = as_decimals(priced_by_python(case))
        assert as_decimals(js) == python, case


# Rounding edges, both store modes ----------------------------------------------------------

TABLE = [
    # 3 x 0.97 incl. 20%: 2.91 / 6 = 0.485, half up to 0.49.
    sale_case([("0.97", "3", VAT_20)], inclusive=True),
    # 7 x 0.99 with 5.5% on top: 0.38115 -> 0.38; 10.00 x 20% = 2.00.
    sale_case([("10.00", "3", VAT_20), ("0.99", "7", VAT_5_5)], inclusive=False),
    # 0.10 with 5% on top is 0.005: half up to 0.01.
    sale_case([("0.10", "1", [("r5", "5%", "0.05")])], inclusive=False),
    # 0.01 at 49.96% is 0.004996: rounded once it is 0.00 (not 0.00500 then 0.01).
    sale_case([("0.01", "1", [("odd", "Odd", "0.4996")])], inclusive=False),
    # 0.33333 x 0.015 = 0.00499995: 0.00, not 0.01 through 0.00500.
    sale_case([("0.33333", "0.015", VAT_20)], inclusive=True),
    sale_case([("0.33333", "0.015", VAT_20)], inclusive=False),
    # Two rates on a line are split in proportion, the last takes the remainder.
    sale_case([("19.99", "1", GST_QST), ("4.99", "3", GST_QST)], inclusive=True),
    sale_case([("19.99", "1", GST_QST), ("4.99", "3", GST_QST)], inclusive=False),
    # Several lines and rates: the sale's tax by rate, in the order rates first appear.
    sale_case(
        [("8.90", "2", VAT_5_5), ("14.00", "1", VAT_20), ("3.50", "4", VAT_5_5), ("1", "1", [])],
        inclusive=True,
    ),
    # A rate of zero, and one of two rates at zero.
    sale_case([("5.00", "2", [("zero", "0%", "0")])], inclusive=True),
    sale_case([("5.00", "2", [("zero", "0%", "0"), ("vat", "VAT", "0.2")])], inclusive=False),
    # Yen (no minor unit) and dinars (three).
    sale_case([("1080", "1", [("jct", "JCT", "0.08")])], inclusive=True, digits=0),
    sale_case([("999", "1", [("jct", "JCT", "0.08")])], inclusive=False, digits=0),
    sale_case([("1.250", "3", [("vat", "VAT", "0.05")])], inclusive=False, digits=3),
]


def test_money_js_prices_the_rounding_edges_as_the_server_does(node: str) -> None:
    assert_same(node, TABLE)


# Generated sales --------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10_000, places=5).map(str)
quantities = st.one_of(
    st.integers(min_value=1, max_value=1000).map(str),
    st.decimals(min_value=Decimal("0.00001"), max_value=1000, places=5).map(str),
)
rate_values = st.one_of(
    st.sampled_from(["0", "0.05", "0.055", "0.09975", "0.1", "0.2", "0.21"]),
    st.decimals(min_value=0, max_value=Decimal("0.3"), places=5).map(str),
)
# A sale's lines draw their taxes from a few store taxes, so rates repeat across lines.
store_taxes = st.lists(st.lists(rate_values, min_size=0, max_size=3), min_size=1, max_size=4).map(
    lambda taxes: [
        [(f"t{t}r{i}", f"Tax {t}.{i}", rate) for i, rate in enumerate(rates)]
        for t, rates in enumerate(taxes)
    ]
)


@st.composite
def sales(draw: st.DrawFn) -> dict[str, Any]:
    taxes = draw(store_taxes)
    lines = draw(
        st.lists(st.tuples(amounts, quantities, st.sampled_from(taxes)), min_size=1, max_size=6)
    )
    return sale_case(
        lines, inclusive=draw(st.booleans()), digits=draw(st.sampled_from([0, 2, 2, 2, 3]))
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(sales(), min_size=20, max_size=20))
def test_money_js_prices_generated_sales_as_the_server_does(
    node: str, cases: list[dict[str, Any]]
) -> None:
    assert_same(node, cases)


# Discounted lines (till discounts): the tax is computed on the discounted total ------------


def discounted(case: dict[str, Any], *discounts: str) -> dict[str, Any]:
    for line, discount in zip(case["lines"], discounts, strict=True):
        line["discount"] = discount
    return case


DISCOUNTED = [
    # 8.90 incl. 20 %, 0.89 off: 8.01 = 6.67 + 1.34.
    discounted(sale_case([("8.90", "1", VAT_20)], inclusive=True), "0.89"),
    discounted(sale_case([("8.90", "1", VAT_20)], inclusive=False), "0.89"),
    # A sale discount of 5.00 spread as 2.95 and 2.05 over 8.90 and 2 x 3.10.
    discounted(
        sale_case([("8.90", "1", VAT_20), ("3.10", "2", VAT_5_5)], inclusive=True), "2.95", "2.05"
    ),
    discounted(sale_case([("19.99", "3", GST_QST)], inclusive=False), "5.99"),
    discounted(sale_case([("0.97", "3", VAT_20)], inclusive=True), "2.91"),  # free
    discounted(
        sale_case([("1080", "2", [("jct", "JCT", "0.08")])], inclusive=True, digits=0), "216"
    ),
]


def test_money_js_prices_discounted_lines_as_the_server_does(node: str) -> None:
    assert_same(node, DISCOUNTED)


def test_money_js_rounds_cash_to_the_increment_as_the_server_does(node: str) -> None:
    amounts = ["8.92", "8.93", "8.925", "8.97", "-3.925", "0.02", "12.49", "100"]
    increments = ["0.05", "0.1", "0.2", "1"]
    script = (
        "const m = await import(process.argv[1]);"
        "const [amounts, increments] = JSON.parse(process.argv[2]);"
        "console.log(JSON.stringify(increments.map((i) => amounts.map((a) =>"
        " m.toDecimalString(m.roundToIncrement(m.toUnits(a), m.toUnits(i)))))));"
    )
    done = subprocess.run(
        [
            node,
            "--input-type=module",
            "-e",
            script,
            MONEY_JS.as_uri(),
            json.dumps([amounts, increments]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    by_js = json.loads(done.stdout)
    for increment, row in zip(increments, by_js, strict=True):
        python = [round_to_increment(Decimal(a), increment=Decimal(increment)) for a in amounts]
        assert [Decimal(v) for v in row] == python, increment
