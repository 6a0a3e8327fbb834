// Exact money arithmetic for the sell screen, mirroring core/money.py and core/tax.py.
// Amounts are BigInt counts of 1e-5 units; rounding is half-up, as on the server, so the
// total the screen shows is the total the server records.

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

// Units rounded to the currency's minor unit (`digits` decimal places), still in units.
export function roundMoney(units, digits) {
  const step = 10n ** BigInt(5 - digits);
  return divRound(units, step) * step;
}

// One line: unit price (units) times quantity (units), per the store's tax mode.
export function priceLine({ unitPrice, quantity, rate, taxInclusive, digits }) {
  const raw = divRound(unitPrice * quantity, UNIT);
  if (taxInclusive) {
    const gross = roundMoney(raw, digits);
    const tax = roundMoney(divRound(gross * rate, UNIT + rate), digits);
    return { net: gross - tax, tax, gross };
  }
  const net = roundMoney(raw, digits);
  const tax = roundMoney(divRound(net * rate, UNIT), digits);
  return { net, tax, gross: net + tax };
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
