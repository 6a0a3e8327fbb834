"""A Lightspeed X-Series product export as a shop's real one looks, generated (issue 9).

About 1,200 rows over six outlets, written in Windows-1252 (é, €, ’) with every cell of
every row, as Lightspeed writes them: HTML descriptions with quotes, commas and line breaks;
composites whose component rows (ids of their own) are scattered through the file; negative
stock and reorder values; `Default Tax`; tags separated by `,`, `;` or `; `, some too long;
SKUs and handles of 255 characters; deposits at a negative price; odd variants (a value
without its option's name, a name without a value, two variants alike, a family without
options); and one row broken by an unescaped quote in its description.

`lightspeed_export()` returns the bytes and what an import of them must give.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from comptoir.store import service as store
from tests.factories import Store

OUTLETS = (
    "Paris Marais",
    "Lyon Part-Dieu",
    "Bordeaux",
    "Lille Centre",
    "Nantes",
    "Marseille Vieux-Port",
)
# The outlet whose own default tax is the reduced one: its "Default Tax" is VAT 5.5%.
REDUCED_OUTLET = "Bordeaux"


def columns(outlet: str) -> tuple[str, str, str, str]:
    name = outlet.replace(" ", "_")
    return (
        f"outlet_tax_{name}",
        f"inventory_{name}",
        f"reorder_point_{name}",
        f"restock_level_{name}",
    )


HEADER = [
    "id",
    "handle",
    "sku",
    "composite_handle",
    "composite_sku",
    "composite_quantity",
    "name",
    "description",
    "type",
    "variant_option_one_name",
    "variant_option_one_value",
    "variant_option_two_name",
    "variant_option_two_value",
    "variant_option_three_name",
    "variant_option_three_value",
    "tags",
    "supply_price",
    "retail_price",
    "loyalty_value",
    "loyalty_value_default",
    *(columns(o)[0] for o in OUTLETS),
    "account_code",
    "account_code_purchase",
    "brand_name",
    "supplier_name",
    "supplier_code",
    "active",
    "track_inventory",
    *(c for o in OUTLETS for c in columns(o)[1:]),
]

WORDS = ("Café", "Thé", "Bougie", "Savon", "Carnet", "Tasse", "Sac", "Écharpe", "Miel", "Confit")
KINDS = ("crème", "à la menthe", "l’été", "« week-end »", "de Noël", "bio", "grand cru")
TYPES = ("Épicerie / Café", "Épicerie / Thé", "Maison", "Papeterie", "Mode / Accessoires")
BRANDS = ("Maison Dupré", "Atelier Noël", "Les Toiles d’Été", "Café Lenoir")
SUPPLIERS = ("Torréfaction Lenoir", "Savonnerie Provençale", "Papeterie Caré")
TAGS = ("bio", "local", "fait main", "soldes", "idée cadeau", "nouveauté", "vegan")
SEPARATORS = (", ", ";", "; ", ",")
LONG_TAG = "édition limitée " + "x" * 200  # over the 200 characters of a tag


@dataclass
class Export:
    data: bytes  # the file, in Windows-1252
    rows: int  # data rows
    products: int  # products the import creates
    broken_line: int  # physical line of the broken row
    broken_row: int  # its row number (as a spreadsheet counts)
    negative_counts: dict[str, int] = field(default_factory=dict)  # column -> how many
    negative_levels: dict[str, int] = field(default_factory=dict)  # column -> how many
    # composite SKU -> [(line id, component SKU, quantity)]
    composites: dict[str, list[tuple[uuid.UUID, str, Decimal]]] = field(default_factory=dict)
    long_sku: str = ""
    deposit_sku: str = ""
    duplicate_sku: str = ""  # the second of two variants alike: skipped
    unnamed_option_sku: str = ""  # a value without its option's name
    valueless_sku: str = ""  # a name without a value
    loose_skus: tuple[str, ...] = ()  # a family without options: three products


def make_lightspeed_store(shop: Store) -> None:
    """The six outlets of the export; Bordeaux's own default tax is the reduced one."""
    with shop.uow() as uow:
        for name in OUTLETS:
            default = shop.reduced_tax.id if name == REDUCED_OUTLET else None
            store.create_outlet(
                uow,
                fields=store.OutletFields(
                    name=name, time_zone="Europe/Paris", default_tax_id=default
                ),
            )
        uow.commit()


class _Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.export = Export(data=b"", rows=0, products=0, broken_line=0, broken_row=0)
        self.rows: list[dict[str, str]] = []
        self.components: list[dict[str, str]] = []  # scattered through the file at the end
        self.standard: list[dict[str, str]] = []

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def common(self, name: str) -> dict[str, str]:
        rng = self.rng
        tags = rng.sample(TAGS, rng.randint(0, 3))
        if rng.random() < 0.02:
            tags.append(LONG_TAG)
        return {
            "name": name,
            "description": (
                f'<p class="intro">{name}, "fait à Paris"</p>\n'
                f"<ul><li>Prix : {rng.randint(2, 90)} €</li><li>L’atelier, 1 rue d’Été</li></ul>"
            ),
            "type": rng.choice(TYPES),
            "tags": rng.choice(SEPARATORS).join(tags),
            "supply_price": f"{rng.randint(100, 2000) / 100:.2f}",
            "retail_price": f"{rng.randint(300, 9000) / 100:.2f}",
            "loyalty_value": "",
            "loyalty_value_default": "1",
            "account_code": "707",
            "account_code_purchase": "607",
            "brand_name": rng.choice(BRANDS),
            "supplier_name": rng.choice(SUPPLIERS),
            "supplier_code": f"F-{rng.randint(100, 999)}",
            "active": "1",
            "track_inventory": "1",
        }

    def outlets(self, row: dict[str, str], *, stock: bool = True) -> None:
        rng = self.rng
        reduced = rng.random() < 0.2
        for outlet in OUTLETS:
            tax, inventory, point, restock = columns(outlet)
            row[tax] = "VAT 5.5%" if reduced else "Default Tax"
            if not stock:
                row[inventory] = row[point] = row[restock] = ""
                continue
            count = rng.randint(-3, 40) if rng.random() < 0.9 else rng.randint(-5, -1)
            row[inventory] = str(count)
            if count < 0:
                self.export.negative_counts[inventory] = (
                    self.export.negative_counts.get(inventory, 0) + 1
                )
            level = rng.choice(("", "0", "2", "5", "-1"))
            row[point] = level
            row[restock] = "" if level == "" else "12"
            if level == "-1":
                self.export.negative_levels[point] = self.export.negative_levels.get(point, 0) + 1

    def add(self, row: dict[str, str]) -> dict[str, str]:
        self.rows.append(row)
        return row

    def standard_products(self, count: int) -> None:
        for n in range(count):
            name = f"{self.rng.choice(WORDS)} {self.rng.choice(KINDS)} {n}"
            row = {"id": self.uuid(), "handle": f"produit-{n}", "sku": f"{20000 + n}"}
            row.update(self.common(name))
            self.outlets(row)
            if n == 7:
                row["sku"] = self.export.long_sku = "7" * 255
                row["handle"] = "h" * 255
            if n == 11:
                row["name"], row["retail_price"] = "Consigne bouteille", "-0.20"
                row["supply_price"] = "0.00"
                self.export.deposit_sku = row["sku"]
            if n % 50 == 3:
                row["active"] = "0"  # inactive with stock: a warning
            self.standard.append(self.add(row))
        self.export.products += count

    def variant_families(self, count: int) -> None:
        for n in range(count):
            handle, name = f"tee-{n}", f"T-shirt coton bio {n}"
            colours = ("Rouge", "Bleu")
            sizes = ("S", "M") if n % 3 else ("S", "M", "L")
            first = True
            for colour in colours:
                for size in sizes:
                    row = {"id": self.uuid(), "handle": handle, "sku": f"T{n}-{colour}-{size}"}
                    row.update(self.common(name))
                    if not first and self.rng.random() < 0.5:
                        for column in ("name", "description", "type", "tags", "brand_name"):
                            row[column] = ""  # a variant takes its family's
                    row["variant_option_one_name"] = "Couleur"
                    row["variant_option_one_value"] = colour
                    row["variant_option_two_name"] = "Taille"
                    row["variant_option_two_value"] = size
                    self.outlets(row)
                    self.add(row)
                    self.export.products += 1
                    first = False
        self.odd_variants()

    def odd_variants(self) -> None:
        """A value without its name, a name without a value, two variants alike, a family
        without options."""
        rows = [r for r in self.rows if r["handle"] == "tee-0"]
        rows[1]["variant_option_one_name"] = ""
        self.export.unnamed_option_sku = rows[1]["sku"]
        rows = [r for r in self.rows if r["handle"] == "tee-1"]
        rows[2]["variant_option_two_value"] = ""
        self.export.valueless_sku = rows[2]["sku"]
        rows = [r for r in self.rows if r["handle"] == "tee-2"]
        rows[1]["variant_option_one_value"] = rows[0]["variant_option_one_value"]
        rows[1]["variant_option_two_value"] = rows[0]["variant_option_two_value"]
        self.export.duplicate_sku = rows[1]["sku"]
        self.export.products -= 1
        loose = []
        for n in range(3):
            row = {"id": self.uuid(), "handle": "pack-sans-options", "sku": f"PACK-{n}"}
            row.update(self.common(f"Pack {n}"))
            self.outlets(row)
            loose.append(self.add(row)["sku"])
        self.export.loose_skus = tuple(loose)
        self.export.products += 3

    def composite_products(self, count: int) -> None:
        parts = [r for r in self.standard if len(r["sku"]) < 20 and r["retail_price"][0] != "-"]
        for n in range(count):
            sku, handle = f"COF-{n}", f"coffret-{n}"
            row = {"id": self.uuid(), "handle": handle, "sku": sku}
            row.update(self.common(f"Coffret découverte {n}"))
            row["track_inventory"] = "0"
            self.outlets(row, stock=False)
            self.add(row)
            lines = []
            for part in self.rng.sample(parts, self.rng.randint(2, 3)):
                quantity = self.rng.choice(("1", "2", "0.5"))
                line = {
                    "id": self.uuid(),
                    "handle": handle,
                    "sku": sku,
                    "name": row["name"],
                    "composite_quantity": quantity,
                    "composite_sku": part["sku"],
                }
                if n % 5 == 0:  # named by its handle alone
                    line["composite_sku"], line["composite_handle"] = "", part["handle"]
                else:
                    line["composite_handle"] = part["handle"]
                self.components.append(line)
                lines.append((uuid.UUID(line["id"]), part["sku"], Decimal(quantity)))
            self.export.composites[sku] = lines
        self.export.products += count

    def write(self) -> Export:
        rows = list(self.rows)
        for line in self.components:  # anywhere in the file, after or before the composite
            rows.insert(self.rng.randint(0, len(rows)), line)
        # The broken row: a standard product no composite holds, halfway down the file.
        held = {line["composite_sku"] for line in self.components}
        held |= {line["composite_handle"] for line in self.components}
        candidates = [
            index
            for index, row in enumerate(rows)
            if row in self.standard
            and row["sku"] not in held
            and row["handle"] not in held
            and row["sku"] not in (self.export.long_sku, self.export.deposit_sku)
        ]
        broken_at = candidates[len(candidates) // 2]
        rows[broken_at]["description"] = '<p class="promo">Soldes, -20 %</p>'
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        for index, row in enumerate(rows):
            cells = [row.get(column, "") for column in HEADER]
            if index == broken_at:
                # As a broken exporter writes it: the quotes of the HTML not doubled.
                self.export.broken_line = buffer.getvalue().count("\n") + 1
                self.export.broken_row = index + 2
                quoted = [
                    f'"{cell}"' if column == "description" else cell
                    for column, cell in zip(HEADER, cells, strict=True)
                ]
                buffer.write(",".join(quoted) + "\r\n")
                continue
            writer.writerow(cells)
        self.export.products -= 1
        self.export.rows = len(rows)
        self.export.data = buffer.getvalue().encode("cp1252")
        return self.export


def lightspeed_export(
    *, seed: int = 9, standard: int = 480, families: int = 130, composites: int = 40
) -> Export:
    writer = _Writer(seed)
    writer.standard_products(standard)
    writer.variant_families(families)
    writer.composite_products(composites)
    return writer.write()
