"""Bootstrapping a store: the retailer row on first run, and the demo store."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from comptoir.catalog import products as catalog
from comptoir.catalog.models import Product
from comptoir.core.uow import UnitOfWork
from comptoir.customers import groups as customer_groups
from comptoir.customers.store_credit import ensure_store_credit_payment_type
from comptoir.demo_sales import seed_demo_sales
from comptoir.demo_stock import seed_demo_stock
from comptoir.store import service as store
from comptoir.store.models import Outlet, PaymentKind, Retailer


def ensure_retailer(uow: UnitOfWork, *, name: str = "Ma boutique") -> Retailer:
    retailer = uow.session.scalars(select(Retailer)).first()
    if retailer is None:
        retailer = Retailer(id=uuid.uuid4(), name=name)
        uow.session.add(retailer)
        customer_groups.default_group(uow.session)
        uow.commit()
    return retailer


def ensure_store_credit_tender(uow: UnitOfWork) -> None:
    """Stores set up before store credit get its payment type (type_id 20) at the next
    `comptoir init`; others create it on first use (customers.store_credit)."""
    ensure_store_credit_payment_type(uow.session)
    uow.commit()


def ean13(body: str) -> str:
    """A valid EAN-13 from its first 12 digits (the check digit makes scanners accept it)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# name, price including tax, supply price, tax ("standard" or "reduced"), opening stock
DEMO_PRODUCTS: list[tuple[str, str, str, str, int]] = [
    ("Café en grains Éthiopie 250 g", "8.90", "4.10", "reduced", 40),
    ("Café moulu Brésil 250 g", "7.50", "3.40", "reduced", 35),
    ("Thé vert Sencha 100 g", "9.20", "3.90", "reduced", 25),
    ("Thé noir Earl Grey 100 g", "7.80", "3.10", "reduced", 30),
    ("Chocolat noir 70 % 100 g", "3.95", "1.60", "reduced", 60),
    ("Chocolat au lait noisettes 100 g", "3.60", "1.45", "reduced", 55),
    ("Confiture abricot 370 g", "5.40", "2.20", "reduced", 24),
    ("Miel de lavande 250 g", "9.90", "4.80", "reduced", 18),
    ("Huile d'olive vierge extra 50 cl", "12.50", "6.20", "reduced", 20),
    ("Sel de Guérande 250 g", "4.20", "1.70", "reduced", 32),
    ("Biscuits sablés au beurre", "4.60", "1.90", "reduced", 45),
    ("Pâtes artisanales 500 g", "3.80", "1.50", "reduced", 50),
    ("Tasse en grès bleue", "14.00", "5.50", "standard", 16),
    ("Théière en fonte 0,8 L", "49.00", "21.00", "standard", 6),
    ("Cafetière à piston 1 L", "32.00", "13.50", "standard", 8),
    ("Moulin à café manuel", "45.00", "19.00", "standard", 5),
    ("Filtres papier n°4 (x100)", "3.20", "1.10", "standard", 70),
    ("Boîte à thé métal", "11.50", "4.20", "standard", 14),
    ("Torchon lin naturel", "12.90", "4.90", "standard", 22),
    ("Bougie parfumée figue", "19.50", "7.80", "standard", 12),
    ("Carnet kraft A5", "6.50", "2.30", "standard", 40),
    ("Stylo bois gravé", "4.90", "1.60", "standard", 50),
    ("Tote bag coton bio", "9.90", "3.20", "standard", 30),
    ("Carte postale Paris", "1.50", "0.40", "standard", 120),
    ("Savon de Marseille 300 g", "5.90", "2.10", "standard", 36),
    ("Plaid laine mérinos", "89.00", "38.00", "standard", 4),
    ("Vase céramique blanc", "34.00", "14.00", "standard", 7),
    ("Panier en osier", "27.50", "11.00", "standard", 9),
    ("Couteau à fromage", "16.00", "6.40", "standard", 15),
    ("Planche à découper chêne", "39.00", "16.50", "standard", 10),
    ("Sac cabas jute", "7.90", "2.60", "standard", 28),
    ("Jeu de cartes illustré", "12.00", "4.50", "standard", 18),
    ("Puzzle 500 pièces", "22.00", "8.80", "standard", 11),
    ("Livre de recettes bistrot", "24.90", "14.90", "books", 13),
    ("Guide des marchés de Paris", "18.00", "10.80", "books", 9),
    ("Éponge naturelle", "6.80", "2.40", "standard", 26),
]


def seed_demo_store(uow: UnitOfWork) -> bool:
    """Seed the demo store once; returns False when it was already there."""
    session = uow.session
    if session.scalar(select(Outlet.id).where(Outlet.name == "Paris Marais")) is not None:
        return False
    standard = store.create_tax(
        uow, name="TVA 20 %", rates=[store.RateFields(name="TVA 20 %", rate=Decimal("0.2"))]
    )
    reduced = store.create_tax(
        uow, name="TVA 5,5 %", rates=[store.RateFields(name="TVA 5,5 %", rate=Decimal("0.055"))]
    )
    books = store.create_tax(
        uow,
        name="TVA 5,5 % livres",
        rates=[store.RateFields(name="TVA 5,5 %", rate=Decimal("0.055"))],
    )
    store.create_tax(
        uow, name="TVA 10 %", rates=[store.RateFields(name="TVA 10 %", rate=Decimal("0.1"))]
    )
    retailer = store.get_retailer(session)
    store.update_retailer(
        uow,
        settings=store.RetailerSettings(
            name="Comptoir du Marais",
            currency="EUR",
            time_zone="Europe/Paris",
            locale=retailer.locale,
            tax_exclusive=False,
            sku_sequence_enabled=True,
            sku_sequence_value=max(retailer.sku_sequence_value, 10000),
            default_tax_id=standard.id,
        ),
    )
    marais = store.create_outlet(
        uow,
        fields=store.OutletFields(
            name="Paris Marais",
            time_zone="Europe/Paris",
            physical_address_1="12 rue des Archives",
            physical_city="Paris",
            physical_postcode="75004",
            physical_country_id="FR",
        ),
    )
    _seed_demo_receipt(uow, outlet_id=marais.id)
    store.create_register(
        uow,
        fields=store.RegisterFields(name="Caisse 1", outlet_id=marais.id, invoice_prefix="MA-"),
    )
    store.create_register(
        uow,
        fields=store.RegisterFields(name="Caisse 2", outlet_id=marais.id, invoice_prefix="MB-"),
    )
    for name, kind in [
        ("Espèces", PaymentKind.CASH),
        ("Carte bancaire (TPE)", PaymentKind.CARD_EXTERNAL),
        ("Chèque", PaymentKind.CHEQUE),
        ("Virement", PaymentKind.BANK_TRANSFER),
        ("Avoir", PaymentKind.VOUCHER),
        ("Crédit client", PaymentKind.STORE_CREDIT),
    ]:
        store.create_payment_type(uow, name=name, type_id=kind)
    taxes = {"standard": standard.id, "reduced": reduced.id, "books": books.id}
    for index, (name, price, supply, tax, stock) in enumerate(DEMO_PRODUCTS):
        catalog.create_product(
            uow,
            new=catalog.NewProduct(
                name=name,
                price=Decimal(price),
                supply_price=Decimal(supply),
                tax_id=taxes[tax],
                barcode=ean13(f"376000{index:06d}"),
                inventory=[catalog.OpeningStock(outlet_id=marais.id, count=Decimal(stock))],
            ),
        )
    seed_demo_sales(uow)
    seed_demo_stock(uow)
    _seed_demo_terminal(uow)
    return True


# The demo outlet's receipt: a real shop's texts and legal mentions (a fictitious company;
# the SIRET's SIREN and the VAT number's key agree, as the tax office computes it).
DEMO_RECEIPT: dict[str, str] = {
    "header": "Merci de votre visite !\nOuvert du mardi au samedi, 10 h – 19 h",
    "footer": "Retrouvez-nous sur comptoir-du-marais.example\nÀ bientôt !",
    "company_name": "Comptoir du Marais SARL",
    "address": "12 rue des Archives\n75004 Paris",
    "siret": "12345678900017",
    "vat_number": "FR32123456789",
    "return_policy": (
        "Échange ou remboursement sous 30 jours sur présentation du ticket, "
        "articles dans leur état d’origine."
    ),
}


def _seed_demo_receipt(uow: UnitOfWork, *, outlet_id: uuid.UUID) -> None:
    from comptoir.printing.config import TemplateFields, save_template

    fields = TemplateFields(
        header=DEMO_RECEIPT["header"],
        footer=DEMO_RECEIPT["footer"],
        company_name=DEMO_RECEIPT["company_name"],
        address=DEMO_RECEIPT["address"],
        siret=DEMO_RECEIPT["siret"],
        vat_number=DEMO_RECEIPT["vat_number"],
        return_policy=DEMO_RECEIPT["return_policy"],
    )
    save_template(uow, outlet_id=outlet_id, fields=fields)


# `comptoir terminal-simulator`'s default port (README, "Card terminals").
DEMO_SIMULATOR = "http://127.0.0.1:8765"


def _seed_demo_terminal(uow: UnitOfWork) -> None:
    """An integrated card type on the simulator (after the demo sales, which pay by the
    plain card type)."""
    from comptoir.payments import adapters  # noqa: F401  (registers "simulator")
    from comptoir.payments.settings import set_terminal

    terminal = store.create_payment_type(
        uow, name="Carte (terminal)", type_id=PaymentKind.CARD_EXTERNAL
    )
    set_terminal(uow, payment_type_id=terminal.id, provider="simulator", address=DEMO_SIMULATOR)


def has_products(uow: UnitOfWork) -> bool:
    return uow.session.scalar(select(Product.id).limit(1)) is not None
