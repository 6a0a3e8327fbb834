// Exact money arithmetic for the sell screen, the same algorithm as core/money.py and
// core/tax.py: what the screen shows is what the server records, to the cent (a test runs
// both on the same cases, tests/unit/test_money_js.py).
// Amounts, rates and quantities are BigInt counts of 1e-5 (a rate of 0.2 is 20000n). Each
// amount is rounded once, half away from zero like ROUND_HALF_UP, straight from the exact
// fraction: rounding to 5 places first and then to the cent could differ from the server.

export const UNIT = 100000n;

export function toUnits(value) {
  const text = String(value).trim().replace(",", ".");
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) return null;
  const fraction = (match[3] ?? "").padEnd(5, "0");
  if (fraction.length > 5 && /[1-9]/.test(fraction.slice(5))) return null;
  const units = BigInt(match[2] || "0") * UNIT + BigInt(fraction.slice(0, 5) || "0");
  return match[1] ? -units : units;
}

// Round numerator/denominator (both BigInt, denominator > 0) half away from zero.
export function divRound(numerator, denominator) {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const q = (2n * n + denominator) / (2n * denominator);
  return negative ? -q : q;
}

// The currency's minor unit in units: 1000n for 2 digits (0.01), 100000n for none (yen).
export function quantumOf(digits) {
  return 10n ** BigInt(5 - digits);
}

// numerator/denominator units, rounded once to a multiple of `quantum` units.
export function roundTo(numerator, denominator, quantum) {
  return divRound(numerator, denominator * quantum) * quantum;
}

// Units rounded to the currency's minor unit (`digits` decimal places), still in units.
export function roundMoney(units, digits) {
  return roundTo(units, 1n, quantumOf(digits));
}

// Split `total` in proportion to `weights`; the parts sum to `total` exactly (core/money.py
// `allocate`): each part is rounded to `quantum`, the last non-zero weight takes the rest.
export function allocate(total, weights, quantum) {
  if (!weights.length) return [];
  const weightSum = weights.reduce((sum, w) => sum + w, 0n);
  const parts = weights.map(() => 0n);
  if (weightSum === 0n) {
    parts[parts.length - 1] = total;
    return parts;
  }
  const last = weights.reduce((found, w, i) => (w !== 0n ? i : found), -1);
  let running = 0n;
  weights.forEach((weight, i) => {
    if (i === last) return;
    parts[i] = roundTo(total * weight, weightSum, quantum);
    running += parts[i];
  });
  parts[last] = total - running;
  return parts;
}

// One line (core/tax.py `price_line`): `unitPrice` includes tax in a tax-inclusive store.
// `rates` are the line's tax rates, [{ id, name, rate }], which add up. `discount` (units,
// in the store's mode, already rounded to the currency) comes off the line's total before
// its tax is computed; the unit prices are then the totals divided by the quantity.
export function priceLine({ unitPrice, quantity, rates, taxInclusive, digits, discount = 0n }) {
  const rate = rates.reduce((sum, r) => sum + r.rate, 0n);
  const quantum = quantumOf(digits);
  let unitExcl, unitIncl, net, tax, gross;
  if (taxInclusive) {
    unitIncl = unitPrice;
    unitExcl = divRound(unitIncl * UNIT, UNIT + rate);
    gross = roundTo(unitIncl * quantity, UNIT, quantum) - discount;
    tax = roundTo(gross * rate, UNIT + rate, quantum);
    net = gross - tax;
    if (discount) {
      unitIncl = divRound(gross * UNIT, quantity);
      unitExcl = divRound(unitIncl * UNIT, UNIT + rate);
    }
  } else {
    unitExcl = unitPrice;
    unitIncl = divRound(unitExcl * (UNIT + rate), UNIT);
    net = roundTo(unitExcl * quantity, UNIT, quantum) - discount;
    tax = roundTo(net * rate, UNIT, quantum);
    gross = net + tax;
    if (discount) {
      unitExcl = divRound(net * UNIT, quantity);
      unitIncl = divRound(unitExcl * (UNIT + rate), UNIT);
    }
  }
  const parts = allocate(tax, rates.map((r) => r.rate), quantum);
  const components = rates.map((r, i) => ({ rateId: r.id, name: r.name, rate: r.rate, amount: parts[i] }));
  return { unitExcl, unitIncl, unitTax: unitIncl - unitExcl, net, tax, gross, components };
}

// The tax by rate (core/tax.py `summarise_by_rate`): components added up per rate, each
// rate where it first appears.
export function summariseByRate(components) {
  const byRate = new Map();
  for (const c of components) {
    const seen = byRate.get(c.rateId);
    byRate.set(c.rateId, { ...c, amount: c.amount + (seen ? seen.amount : 0n) });
  }
  return [...byRate.values()];
}

// The sale (core/tax.py `total_sale`): sums of the lines, and its tax by rate.
export function totalSale(lines) {
  const net = lines.reduce((sum, l) => sum + l.net, 0n);
  const tax = lines.reduce((sum, l) => sum + l.tax, 0n);
  const taxes = summariseByRate(lines.flatMap((l) => l.components));
  return { net, tax, gross: net + tax, taxes };
}

// `units` rounded to the nearest multiple of `increment` units, halves away from zero
// (core/money.py `round_to_increment`): the cash rounding of a store without small coins.
export function roundToIncrement(units, increment) {
  return divRound(units, increment) * increment;
}

// A percent (units: 10% is 1000000n) of `amount`, rounded to the currency's minor unit
// (sales/discounts.py: `round_money(before * percent / 100)`).
export function percentOf(amount, percent, digits) {
  return roundTo(amount * percent, 100n * UNIT, quantumOf(digits));
}

// The sale with its discounts (sales/pricing.py): each line's own discount (`percent` or
// `amount` off it), then the sale's (`percent` or `amount`) spread over the lines in
// proportion to what each costs after its own, with `allocate`; the tax is computed on
// the discounted lines. lines: [{ unitPrice, quantity, rates, percent?, amount? }].
export function priceSale({ lines, taxInclusive, digits, percent = null, amount = null }) {
  const inMode = (a) => (taxInclusive ? a.gross : a.net);
  const base = lines.map((l) => priceLine({ ...l, taxInclusive, digits }));
  const own = lines.map((l, i) => {
    if (l.percent != null) return percentOf(inMode(base[i]), l.percent, digits);
    return l.amount ?? 0n;
  });
  const after = base.map((a, i) => inMode(a) - own[i]);
  const total = after.reduce((sum, a) => sum + a, 0n);
  const saleDiscount = percent != null ? percentOf(total, percent, digits) : (amount ?? 0n);
  const shares = saleDiscount ? allocate(saleDiscount, after, quantumOf(digits)) : after.map(() => 0n);
  const priced = lines.map((l, i) => {
    const discount = own[i] + shares[i];
    if (!discount) return { ...base[i], listed: inMode(base[i]), discount: 0n };
    const line = priceLine({ ...l, taxInclusive, digits, discount });
    return { ...line, listed: inMode(base[i]), discount };
  });
  return { lines: priced, ...totalSale(priced) };
}

export function toDecimalString(units) {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(5, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? "." + fraction : ""}`;
}

export function formatter(locale, currency) {
  const format = new Intl.NumberFormat(locale, { style: "currency", currency });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return { digits, format: (units) => format.format(Number(toDecimalString(units))) };
}

// A random version-4 UUID; crypto.randomUUID needs a secure context, a shop LAN may not be one.
export function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
