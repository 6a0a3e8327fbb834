"""The real `comptoir` command, run as a subprocess against a fresh database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.accounts import service as accounts
from comptoir.accounts.models import User
from comptoir.app import create_app
from comptoir.catalog.models import Product
from comptoir.core.db import Database, open_database
from comptoir.demo_sales import DEMO_SALES
from comptoir.inventory import service as inventory
from comptoir.inventory.consignments.models import Consignment
from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind
from comptoir.setup import DEMO_PRODUCTS
from comptoir.store.models import Outlet, PaymentKind, PaymentType, Register, Retailer, Tax
from tests.factories import CLI_EMAIL as EMAIL
from tests.factories import CLI_PASSWORD as PASSWORD
from tests.factories import InitialisedStore, app_settings, fresh_database
from tests.factories import run_comptoir as comptoir


@pytest.fixture(scope="module")
def initialised(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InitialisedStore]:
    """`comptoir init --demo` run twice on one fresh database."""
    cwd = tmp_path_factory.mktemp("cli")
    with fresh_database(database_url, cwd) as url:
        args = ("init", "--owner-email", EMAIL, "--owner-password", PASSWORD, "--demo")
        runs = [comptoir(url, cwd, *args), comptoir(url, cwd, *args)]
        yield InitialisedStore(url=url, cwd=cwd, runs=runs)


@pytest.fixture
def store_db(initialised: InitialisedStore) -> Iterator[Database]:
    database = open_database(initialised.url)
    yield database
    database.dispose()


def count(database: Database, model: type) -> int:
    with database.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_init_succeeds_twice_and_says_the_demo_store_is_already_there(
    initialised: InitialisedStore,
) -> None:
    first, second = initialised.runs
    assert (first.returncode, second.returncode) == (0, 0), (first.stderr, second.stderr)
    assert "Demo store seeded." in first.stdout
    assert "Demo store already there." in second.stdout
    assert "owner: patron@example.com" in " ".join(second.stdout.split())  # rich wraps lines


def test_init_twice_leaves_one_owner_who_signs_in_with_the_password(
    initialised: InitialisedStore, store_db: Database
) -> None:
    with store_db.read_sessions() as session:
        (owner,) = session.scalars(select(User)).all()
        assert owner.username == owner.email == "patron@example.com"
        assert (owner.role, owner.is_primary_user, owner.enabled) == ("owner", True, True)
        assert accounts.verify_password(owner.password_hash, PASSWORD)
        assert not accounts.verify_password(owner.password_hash, "another password")


def test_init_twice_seeds_the_demo_store_once(
    initialised: InitialisedStore, store_db: Database
) -> None:
    assert count(store_db, Retailer) == 1
    assert count(store_db, Outlet) == 2  # the shop and its stockroom (demo_stock.py)
    assert count(store_db, Register) == 2
    assert count(store_db, Consignment) == 8  # demo_stock.py's, once
    assert count(store_db, Tax) == 4
    assert count(store_db, Product) == len(DEMO_PRODUCTS) >= 30
    with store_db.read_sessions() as session:
        kinds = {p.name: p.type_id for p in session.scalars(select(PaymentType))}
        providers = {p.name: p.provider for p in session.scalars(select(PaymentType))}
        outlets = {o.id: o.name for o in session.scalars(select(Outlet))}
        assert sorted(outlets.values()) == ["Paris Marais", "Réserve Montreuil"]
        # The registers are the shop's; the stockroom has none.
        assert {outlets[r.outlet_id] for r in session.scalars(select(Register))} == {"Paris Marais"}
        assert session.scalars(select(Retailer)).one().currency == "EUR"
    assert len(kinds) == 7
    # The card terminal on the simulator (README "Card terminals"); the others are plain.
    assert {n: p for n, p in providers.items() if p} == {"Carte (terminal)": "simulator"}
    assert kinds["Espèces"] == PaymentKind.CASH
    assert kinds["Crédit client"] == PaymentKind.STORE_CREDIT  # once, though init ran twice
    assert PaymentKind.CARD_EXTERNAL in kinds.values()


def test_every_demo_product_has_stock_that_matches_its_ledger(
    initialised: InitialisedStore, store_db: Database
) -> None:
    with store_db.read_sessions() as session:
        shop = session.scalars(select(Outlet.id).where(Outlet.name == "Paris Marais")).one()
        levels = session.execute(
            select(InventoryLevel.product_id, InventoryLevel.outlet_id, InventoryLevel.count)
        ).all()
        # Every product at the shop; the stockroom holds what its order brought in.
        assert len([level for level in levels if level.outlet_id == shop]) == len(DEMO_PRODUCTS)
        for product_id, outlet_id, stock in levels:
            assert stock > 0
            assert (
                inventory.ledger_balance(session, product_id=product_id, outlet_id=outlet_id)
                == stock
            )
        by_kind = dict(
            session.execute(
                select(InventoryMovement.kind, func.sum(InventoryMovement.quantity)).group_by(
                    InventoryMovement.kind
                )
            ).all()
        )
    # The opening stock went through the ledger, and the demo's sales (closed, layby, on
    # account; not the parked ones) took what they sold of it.
    assert by_kind[MovementKind.MANUAL] == sum(stock for *_, stock in DEMO_PRODUCTS)
    sold = sum(q for status, lines, *_ in DEMO_SALES if status != "SAVED" for _i, q in lines)
    assert by_kind[MovementKind.SALE] == -sold < 0


def test_a_token_created_on_the_command_line_works_as_a_bearer_token(
    initialised: InitialisedStore,
) -> None:
    created = comptoir(
        initialised.url, initialised.cwd, "token", "create", "--user", EMAIL, "--name", "till sync"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("cpt_") and " " not in token

    app = create_app(app_settings(initialised.url))
    with TestClient(app) as client:
        reply = client.get("/api/2.0/user", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200, reply.text
        assert reply.json()["data"]["username"] == "patron@example.com"
        wrong = client.get("/api/2.0/user", headers={"Authorization": f"Bearer {token}x"})
        assert wrong.status_code == 401


def test_a_token_for_an_unknown_user_is_refused_with_a_message_not_a_traceback(
    initialised: InitialisedStore,
) -> None:
    refused = comptoir(
        initialised.url, initialised.cwd, "token", "create", "--user", "nobody", "--name", "x"
    )
    assert refused.returncode == 1
    assert "no such user" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"COMPTOIR_ALLOWED_HOSTS": "*"}, 'COMPTOIR_ALLOWED_HOSTS "*" accepts any Host header'),
        ({"COMPTOIR_SESSION_DAYS": "two weeks"}, "COMPTOIR_SESSION_DAYS: Input should be"),
    ],
)
def test_a_wrong_setting_is_refused_in_a_line_before_any_command(
    initialised: InitialisedStore, settings: dict[str, str], said: str
) -> None:
    for command in (("serve", "--port", "1"), ("migrate",)):
        refused = comptoir(initialised.url, initialised.cwd, *command, settings=settings)
        assert refused.returncode == 2
        assert said in " ".join(refused.stdout.split())
        assert "Traceback" not in refused.stdout + refused.stderr


def test_a_token_created_on_the_command_line_can_be_scoped_and_expire(
    initialised: InitialisedStore,
) -> None:
    created = comptoir(
        initialised.url,
        initialised.cwd,
        *("token", "create", "--user", EMAIL, "--name", "catalog feed"),
        *("--scope", "products:read", "--scope", "inventory:read", "--expires-days", "7"),
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    app = create_app(app_settings(initialised.url))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/2.0/products", headers=headers).status_code == 200
        assert client.get("/api/2.0/users", headers=headers).status_code == 403
    refused = comptoir(
        initialised.url,
        initialised.cwd,
        *("token", "create", "--user", EMAIL, "--name", "x", "--scope", "nowhere:read"),
    )
    assert refused.returncode == 1
    assert "Unknown scope" in refused.stdout and "Traceback" not in refused.stdout


def test_the_demo_outlet_prints_a_real_receipt_with_its_legal_mentions(
    initialised: InitialisedStore, store_db: Database
) -> None:
    from comptoir.printing.models import ReceiptTemplate
    from comptoir.sales.models import Sale
    from comptoir.setup import DEMO_RECEIPT
    from tests.factories import post_login

    with store_db.read_sessions() as session:
        (template,) = session.scalars(select(ReceiptTemplate)).all()
        assert template.company_name == "Comptoir du Marais SARL"
        assert (template.siret, template.vat_number) == ("12345678900017", "FR32123456789")
        assert template.header and template.footer and template.return_policy
        sale_id = session.scalars(select(Sale.id).where(Sale.total_price_incl > 0)).first()
    assert sale_id is not None

    with TestClient(create_app(app_settings(initialised.url))) as client:
        assert post_login(client, EMAIL, PASSWORD).status_code == 303
        receipt = client.get(f"/sales/{sale_id}/receipt")

    assert receipt.status_code == 200
    for text in ("Comptoir du Marais SARL", "SIRET 12345678900017", "FR32123456789"):
        assert text in receipt.text
    assert DEMO_RECEIPT["return_policy"] in receipt.text
    assert "Merci de votre visite" in receipt.text
