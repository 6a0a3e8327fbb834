// Prices sales with the sell screen's money.js for tests/unit/test_money_js.py.
// stdin: [{ digits, taxInclusive, lines: [{ unitPrice, quantity, rates: [{ id, name, rate }],
// discount? }] }]
// with decimal strings; stdout: each sale's lines and totals, as decimal strings.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const money = await import(pathToFileURL(process.argv[2]).href);
const { priceLine, toDecimalString: text, toUnits, totalSale } = money;

const component = (c) => ({ rate_id: c.rateId, name: c.name, rate: text(c.rate), amount: text(c.amount) });

const sales = JSON.parse(readFileSync(0, "utf8")).map((sale) => {
  const lines = sale.lines.map((line) => priceLine({
    unitPrice: toUnits(line.unitPrice),
    quantity: toUnits(line.quantity),
    rates: line.rates.map((r) => ({ id: r.id, name: r.name, rate: toUnits(r.rate) })),
    taxInclusive: sale.taxInclusive,
    digits: sale.digits,
    discount: line.discount ? toUnits(line.discount) : 0n,
  }));
  const total = totalSale(lines);
  return {
    lines: lines.map((l) => ({
      unit_price_excluding_tax: text(l.unitExcl),
      unit_price_including_tax: text(l.unitIncl),
      unit_tax: text(l.unitTax),
      net: text(l.net),
      tax: text(l.tax),
      gross: text(l.gross),
      components: l.components.map(component),
    })),
    net: text(total.net),
    tax: text(total.tax),
    gross: text(total.gross),
    taxes: total.taxes.map(component),
  };
});
process.stdout.write(JSON.stringify(sales));
