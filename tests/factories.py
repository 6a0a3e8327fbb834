"""Factories: one place that builds stores, products and sales for every test."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import simplejson
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import make_url

from comptoir.accounts import service as accounts
from comptoir.accounts import signin, switching, tokens
from comptoir.accounts.models import LoginSession, User
from comptoir.accounts.permissions import Role
from comptoir.catalog import products as catalog
from comptoir.catalog.models import Product, VariantAttribute
from comptoir.core.db import Database
from comptoir.core.outbox import OutboxMessage
from comptoir.core.settings import LOCAL_HOSTS, Settings
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter
from comptoir.customers import service as customers
from comptoir.customers.models import Customer
from comptoir.fiscal.journal import attach_signing_key, has_signing_key
from comptoir.fiscal.keys import SigningKey, create_signing_key, load_signing_key
from comptoir.fiscal.triggers import suspended_triggers
from comptoir.inventory import service as inventory
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from comptoir.sales import service as sales
from comptoir.sales.models import Sale
from comptoir.setup import ensure_retailer
from comptoir.store import service as store
from comptoir.store.models import Outlet, PaymentKind, PaymentType, Register, Tax
from comptoir.tables import Base

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "correct horse battery"
_skus = itertools.count(1)


@dataclass
class Store:
    db: Database
    owner: User
    outlet: Outlet
    register: Register
    standard_tax: Tax
    reduced_tax: Tax
    cash: PaymentType
    card: PaymentType
    products: list[Product] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return self.db.unit_of_work()


_KEY_DIR = Path(tempfile.gettempdir()) / f"comptoir-test-fiscal-{os.getpid()}"


def fiscal_key_directory() -> Path:
    """A fiscal key directory for this test process (made once, removed at exit), for
    databases and servers made outside the `db` fixture (which attaches `fiscal_key`)."""
    if load_signing_key(_KEY_DIR) is None:
        create_signing_key(_KEY_DIR)
        atexit.register(shutil.rmtree, _KEY_DIR, ignore_errors=True)
    return _KEY_DIR


def process_signing_key() -> SigningKey:
    key = load_signing_key(fiscal_key_directory())
    assert key is not None
    return key


def ensure_signing(db: Database) -> None:
    """Sales, register openings and cash movements are signed: a database without a key
    gets this process's test key."""
    if not has_signing_key(db):
        attach_signing_key(db, process_signing_key())


def make_store(db: Database, *, tax_exclusive: bool = False, currency: str = "EUR") -> Store:
    ensure_signing(db)

    def run(fn: Any, **kwargs: Any) -> Any:
        with db.unit_of_work() as uow:
            return fn(uow, **kwargs)

    run(ensure_retailer, name="Test shop")
    owner = run(accounts.ensure_owner, email=OWNER_EMAIL, password=OWNER_PASSWORD)
    standard = run(
        store.create_tax,
        name="VAT 20%",
        rates=[store.RateFields(name="VAT 20%", rate=Decimal("0.2"))],
    )
    reduced = run(
        store.create_tax,
        name="VAT 5.5%",
        rates=[store.RateFields(name="VAT 5.5%", rate=Decimal("0.055"))],
    )
    with db.unit_of_work() as uow:
        retailer = store.get_retailer(uow.session)
        store.update_retailer(
            uow,
            settings=store.RetailerSettings(
                name=retailer.name,
                currency=currency,
                time_zone="Europe/Paris",
                locale="en",
                tax_exclusive=tax_exclusive,
                sku_sequence_enabled=True,
                sku_sequence_value=1000,
                default_tax_id=standard.id,
            ),
        )
    outlet = run(
        store.create_outlet, fields=store.OutletFields(name="Main", time_zone="Europe/Paris")
    )
    register = run(
        store.create_register,
        fields=store.RegisterFields(name="Till 1", outlet_id=outlet.id, invoice_prefix="T1-"),
    )
    cash = run(store.create_payment_type, name="Cash", type_id=PaymentKind.CASH)
    card = run(store.create_payment_type, name="Card", type_id=PaymentKind.CARD_EXTERNAL)
    open_till(db, register_id=register.id, user_id=owner.id)
    return Store(
        db=db,
        owner=owner,
        outlet=outlet,
        register=register,
        standard_tax=standard,
        reduced_tax=reduced,
        cash=cash,
        card=card,
    )


def make_product(
    shop: Store,
    *,
    price: str = "12.00",
    stock: int | str = 10,
    name: str | None = None,
    tax: Tax | None = None,
    supply_price: str = "5.00",
    barcode: str | None = None,
    sku: str | None = None,
    has_inventory: bool = True,
) -> Product:
    number = next(_skus)
    with shop.uow() as uow:
        product = catalog.create_product(
            uow,
            new=catalog.NewProduct(
                name=name or f"Product {number}",
                price=Decimal(price),
                sku=sku,
                supply_price=Decimal(supply_price),
                tax_id=(tax or shop.standard_tax).id,
                barcode=barcode,
                has_inventory=has_inventory,
                inventory=[catalog.OpeningStock(outlet_id=shop.outlet.id, count=Decimal(stock))],
            ),
        )
    shop.products.append(product)
    return product


def make_family(
    shop: Store,
    *,
    name: str,
    variants: list[catalog.NewVariant],
    attribute: str = "Size",
    price: str = "40",
) -> list[Product]:
    """A variant family on one attribute (created with it), its members in order."""
    with shop.uow() as uow:
        size = VariantAttribute(id=uuid.uuid4(), name=attribute)
        uow.session.add(size)
        uow.commit()
    with shop.uow() as uow:
        members, _ = catalog.create_product_once(
            uow,
            new=catalog.NewProduct(
                name=name, price=Decimal(price), variant_attribute_ids=[size.id], variants=variants
            ),
        )
    return members


def make_token(shop: Store, *, username: str = OWNER_EMAIL) -> str:
    with shop.uow() as uow:
        return tokens.create_token_for_username(uow, username=username, name="tests").secret


def make_user(shop: Store, *, role: Role, username: str | None = None) -> User:
    with shop.uow() as uow:
        return accounts.create_user(
            uow,
            username=username or f"{role.value}-{uuid.uuid4().hex[:6]}",
            display_name=role.value.title(),
            password=OWNER_PASSWORD,
            role=role,
        )


def sale_payload(
    shop: Store,
    lines: list[tuple[Product, int | str]],
    *,
    payments: list[tuple[PaymentType, str]] | None = None,
    sale_id: uuid.UUID | None = None,
    total: str | None = None,
) -> dict[str, Any]:
    """A 0.9 register_sale body; pays the exact total in cash unless told otherwise."""
    body: dict[str, Any] = {
        "register_id": str(shop.register.id),
        "state": "closed",
        "register_sale_products": [{"product_id": str(p.id), "quantity": str(q)} for p, q in lines],
    }
    if sale_id is not None:
        body["id"] = str(sale_id)
    if payments is None:
        assert total is not None, "give the total to pay, or the payments"
        payments = [(shop.cash, total)]
    body["register_sale_payments"] = [
        {"retailer_payment_type_id": str(t.id), "amount": amount} for t, amount in payments
    ]
    return body


def make_register(
    shop: Store, *, name: str, prefix: str = "", suffix: str = "", sequence: int = 1
) -> Register:
    with shop.uow() as uow:
        register = store.create_register(
            uow,
            fields=store.RegisterFields(
                name=name,
                outlet_id=shop.outlet.id,
                invoice_prefix=prefix,
                invoice_suffix=suffix,
                invoice_sequence=sequence,
            ),
        )
    open_till(shop.db, register_id=register.id, user_id=shop.owner.id)
    return register


def sale_input(
    shop: Store,
    lines: list[tuple[Product, int | str]],
    *,
    payments: list[tuple[PaymentType, str]] | None = None,
    sale_id: uuid.UUID | None = None,
    total: str | None = None,
) -> sales.SaleInput:
    """The service-level twin of `sale_payload`: what a register sends, already parsed."""
    if payments is None:
        assert total is not None, "give the total to pay, or the payments"
        payments = [(shop.cash, total)]
    return sales.SaleInput(
        id=sale_id,
        register_id=shop.register.id,
        lines=[sales.LineInput(product_id=p.id, quantity=Decimal(str(q))) for p, q in lines],
        payments=[sales.PaymentInput(payment_type_id=t.id, amount=Decimal(a)) for t, a in payments],
    )


def make_sale(
    shop: Store,
    lines: list[tuple[Product, int | str]],
    *,
    payments: list[tuple[PaymentType, str]] | None = None,
    sale_id: uuid.UUID | None = None,
    total: str | None = None,
    customer_id: uuid.UUID | None = None,
) -> Sale:
    """A closed sale recorded through the sales service, as the owner."""
    wanted = sale_input(shop, lines, payments=payments, sale_id=sale_id, total=total)
    if customer_id is not None:
        wanted = dataclasses.replace(wanted, customer_id=customer_id)
    with shop.uow() as uow:
        sale, _created = sales.record_sale(
            uow, sale=wanted, user_id=shop.owner.id, find_customer=customers.get_customer
        )
        return sale


def make_customer(shop: Store, **values: Any) -> Customer:
    """A customer created through the service, from the back office."""
    with shop.uow() as uow:
        customer, _created = customers.create_customer(uow, values=values)
        return customer


# Reading the database and replies back ---------------------------------------------------


def decimal_json(reply: httpx.Response) -> Any:
    """A JSON reply with its numbers as Decimals, so amounts compare exactly."""
    return simplejson.loads(reply.content, use_decimal=True)


def stock_of(shop: Store, product: Product) -> Decimal | None:
    """Stock on hand of `product` at the shop's outlet; None when no level row exists."""
    with shop.db.read_sessions() as session:
        return session.scalar(
            select(InventoryLevel.count).where(
                InventoryLevel.product_id == product.id,
                InventoryLevel.outlet_id == shop.outlet.id,
            )
        )


def ledger_of(shop: Store, product: Product) -> Decimal:
    with shop.db.read_sessions() as session:
        return inventory.ledger_balance(session, product_id=product.id, outlet_id=shop.outlet.id)


def count_rows(db: Database, model: type[Any]) -> int:
    with db.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def invoice_sequence_of(db: Database, register: Register) -> int:
    with db.read_sessions() as session:
        value = session.scalar(select(Register.invoice_sequence).where(Register.id == register.id))
        assert value is not None
        return value


@dataclass(frozen=True)
class Snapshot:
    """What a sale changes: compared before and after a refused request."""

    sales: int
    movements: int
    outbox: int
    levels: tuple[tuple[str, Decimal], ...]
    invoice_sequence: int


def snapshot(shop: Store) -> Snapshot:
    with shop.db.read_sessions() as session:
        levels = session.execute(
            select(InventoryLevel.product_id, InventoryLevel.count).order_by(
                InventoryLevel.product_id
            )
        )
        level_rows = tuple((str(pid), count) for pid, count in levels)
    return Snapshot(
        sales=count_rows(shop.db, Sale),
        movements=count_rows(shop.db, InventoryMovement),
        outbox=count_rows(shop.db, OutboxMessage),
        levels=level_rows,
        invoice_sequence=invoice_sequence_of(shop.db, shop.register),
    )


def role_token(shop: Store, role: Role) -> dict[str, str]:
    """Authorization headers of a new user with `role` (a personal token, every scope)."""
    user = make_user(shop, role=role)
    return {"Authorization": f"Bearer {make_token(shop, username=user.username)}"}


def make_scoped_token(
    shop: Store, user: User, *, scopes: list[str], expires_days: int | None = None
) -> str:
    """A personal token of `user` limited to `scopes` (see accounts/tokens.py)."""
    from comptoir.accounts import tokens

    with shop.uow() as uow:
        created = tokens.create_token(
            uow, user_id=user.id, name="scoped", scopes=scopes, expires_days=expires_days
        )
    return created.secret


# Register sessions (service level) --------------------------------------------------------


def set_pin(shop: Store, user: User, pin: str) -> None:
    """PINs are set on the user pages; tests write the hash directly."""
    with shop.uow() as uow:
        uow.session.execute(
            update(User).where(User.id == user.id).values(pin_hash=accounts.hash_password(pin))
        )
        uow.commit()


def open_register_session(shop: Store, user: User) -> LoginSession:
    """A browser session of `user` at a register, opened by the real sign-in service."""
    with shop.uow() as uow:
        signed = signin.sign_in(
            uow, username=user.username, password=OWNER_PASSWORD, ip="127.0.0.1", days=1
        )
    return register_session_of(shop, signed.started.secret)


def register_session_of(shop: Store, secret: str) -> LoginSession:
    """The session as it is now (after switches), as the API's principal would see it."""
    with shop.db.read_sessions() as session:
        found = accounts.user_for_session(session, secret=secret)
        assert found is not None
        return found[1]


def switch_at_register(shop: Store, login: LoginSession, user: User, *, pin: str) -> LoginSession:
    """Switch the register session to `user` with their PIN; returns the session after it."""
    with shop.uow() as uow:
        switching.switch_user(uow, login_id=login.id, target_user_id=user.id, pin=pin)
    with shop.db.read_sessions() as session:
        switched = session.get(LoginSession, login.id)
        assert switched is not None
        return switched


# Browser routes (TestClient) -------------------------------------------------------------

# TestClient sends `Host: testserver`; the server answers only the hosts it is told to.
TEST_HOSTS = [*LOCAL_HOSTS, "testserver"]


def app_settings(database_url: str, **changes: Any) -> Settings:
    """Settings for an app driven by TestClient: its host allowed, no outbox thread."""
    values: dict[str, Any] = {
        "embedded_worker": False,
        "allowed_hosts": TEST_HOSTS,
        # Loaded by create_app unless the database already signs (the `db` fixture's key).
        "fiscal_key_dir": fiscal_key_directory(),
        **changes,
    }
    return Settings(database_url=database_url, **values)


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def post_login(
    client: TestClient, username: str, password: str, next_url: str = "/sell"
) -> httpx.Response:
    """Post the sign-in form as a browser would (with the form's CSRF token)."""
    form = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf": csrf_of(form.text),
            "next_url": next_url,
        },
        follow_redirects=False,
    )


def sign_in(
    client: TestClient, *, password: str = OWNER_PASSWORD, next_url: str = "/sell"
) -> httpx.Response:
    """Sign the owner in; returns the sign-in reply (303 on success)."""
    return post_login(client, OWNER_EMAIL, password, next_url)


def sign_in_as(client: TestClient, username: str) -> TestClient:
    """Sign `username` in (every factory user has OWNER_PASSWORD); returns the client."""
    reply = post_login(client, username, OWNER_PASSWORD)
    assert reply.status_code == 303, reply.text
    return client


# Concurrency -----------------------------------------------------------------------------


def run_together(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run `work` on `count` threads released at the same instant; return results or errors."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work()
        except BaseException as exc:  # reported by the assertions of the test
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


# Fresh databases and the real `comptoir` command -------------------------------------------


@contextlib.contextmanager
def fresh_database(database_url: str, directory: Path) -> Iterator[str]:
    """An empty database on the backend under test, dropped afterwards.

    SQLite: a new file in `directory`. PostgreSQL: a new database on the test cluster.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{directory / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"comptoir_fresh_{uuid.uuid4().hex[:12]}"
    server = f"host={url.host} port={url.port} user={url.username} dbname=postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


COMPTOIR = Path(sys.executable).with_name("comptoir")
CLI_EMAIL = "Patron@Example.com"
CLI_PASSWORD = "a long enough secret"


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str


def run_comptoir(url: str, cwd: Path, *args: str, settings: dict[str, str] | None = None) -> CliRun:
    """The real command; `settings` are more COMPTOIR_* variables for this run."""
    # The working directory is a temporary one, so no developer `.env` is read.
    env = {**os.environ, "COMPTOIR_DATABASE_URL": url, **(settings or {})}
    done = subprocess.run(
        [str(COMPTOIR), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )
    return CliRun(done.returncode, done.stdout, done.stderr)


@dataclass
class InitialisedStore:
    url: str
    cwd: Path
    runs: list[CliRun]


# --- history ---


def restate_sale(shop: Store, sale: Sale, **values: Any) -> None:
    """Set columns of a recorded sale directly (its date, status, return link...): the
    history reads sales in every state, whichever use case put them there."""
    with shop.uow() as uow:
        uow.session.execute(update(Sale).where(Sale.id == sale.id).values(**values))
        uow.commit()


# --- pricing ---


def set_till(shop: Store, **values: Any) -> None:
    """The till settings (cashier_discount_limit, cash_rounding_increment, ...), written as
    the settings page does."""
    from comptoir.store.models import Retailer

    with shop.uow() as uow:
        uow.session.execute(update(Retailer).values(**values))
        uow.commit()


def token_headers(shop: Store, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(shop, username=user.username)}"}


# --- lifecycle ---


def state_payload(
    shop: Store,
    lines: list[tuple[Product, int | str]],
    *,
    status: str,
    payments: list[tuple[PaymentType, str]] = (),  # type: ignore[assignment]
    sale_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | None = None,
    register: Register | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A 0.9 register_sale body with a status (SAVED, LAYBY, ONACCOUNT...) and any payments."""
    body = sale_payload(shop, lines, payments=list(payments), sale_id=sale_id)
    body.pop("state")
    body["status"] = status
    if customer_id is not None:
        body["customer_id"] = str(customer_id)
    if register is not None:
        body["register_id"] = str(register.id)
    body.update(extra)
    return body


def account_ledger_of(shop: Store, customer_id: uuid.UUID) -> tuple[Decimal, Decimal]:
    """The customer's account balance and the sum of its movements (always equal)."""
    from comptoir.customers import account
    from comptoir.customers.models import Customer as CustomerRow

    with shop.db.read_sessions() as session:
        balance = session.scalar(
            select(CustomerRow.account_balance).where(CustomerRow.id == customer_id)
        )
        return Decimal(balance), account.ledger_balance(session, customer_id=customer_id)


# --- returns ---


def return_lines(
    sale: Sale, *wanted: tuple[int, int | str], reason: str | None = None, restock: bool = True
) -> list[Any]:
    """Return inputs for (line index, quantity) pairs of `sale`."""
    from comptoir.sales.returns import ReturnLineInput

    return [
        ReturnLineInput(
            line_id=sale.lines[index].id,
            quantity=Decimal(str(quantity)),
            reason=reason,
            restock=restock,
        )
        for index, quantity in wanted
    ]


def make_return(
    shop: Store,
    sale: Sale | None,
    lines: list[Any],
    *,
    user: User | None = None,
    without_receipt: bool = False,
    **request: Any,
) -> Sale:
    """A return (or exchange) of `sale` recorded through the service (None: no receipt)."""
    from comptoir.customers.store_credit import CREDIT_LEDGER
    from comptoir.sales import returns

    wanted = returns.ReturnInput(register_id=shop.register.id, lines=lines, **request)
    with shop.uow() as uow:
        made, _created = returns.record_return(
            uow,
            original_id=sale.id if sale is not None else None,
            request=wanted,
            user_id=(user or shop.owner).id,
            find_customer=customers.get_customer,
            ledger=CREDIT_LEDGER,
            rights=returns.ReturnRights(without_receipt=without_receipt),
        )
        # A replay is read through the unit of work's session: keep it readable after.
        with contextlib.suppress(Exception):
            uow.session.expunge(made)
        return made


def issue_credit(
    shop: Store, customer: Customer, amount: str, *, client_id: str | None = None
) -> None:
    from comptoir.customers import store_credit

    with shop.uow() as uow:
        store_credit.record_credit_transaction(
            uow,
            customer_id=customer.id,
            amount=Decimal(amount),
            type="ISSUE",
            client_id=client_id or uuid.uuid4().hex,
            user_id=shop.owner.id,
        )


def credit_of(shop: Store, customer: Customer) -> tuple[Decimal, Decimal]:
    """The customer's store credit balance and the sum of its ledger."""
    from comptoir.customers import store_credit

    with shop.db.read_sessions() as session:
        balance = session.scalar(
            select(Customer.store_credit_balance).where(Customer.id == customer.id)
        )
        return Decimal(balance), store_credit.ledger_sum(session, customer_id=customer.id)


# --- registers ---


def open_till(
    db: Database,
    *,
    register_id: uuid.UUID,
    user_id: uuid.UUID,
    opening_float: str = "0",
) -> uuid.UUID:
    """Open a register (every sale needs its register open); its session's id."""
    from comptoir.registers import service as registers

    with db.unit_of_work() as uow:
        opened, _ = registers.open_register(
            uow, register_id=register_id, user_id=user_id, opening_float=Decimal(opening_float)
        )
        return opened.id


def close_till(
    shop: Store,
    *,
    register_id: uuid.UUID | None = None,
    counted: dict[uuid.UUID, str] | None = None,
    client_id: str | None = None,
) -> Any:
    """Close a register (the shop's by default) with what was counted per payment type."""
    from comptoir.registers import service as registers

    with shop.uow() as uow:
        closed, _ = registers.close_register(
            uow,
            register_id=register_id or shop.register.id,
            user_id=shop.owner.id,
            counts=[
                registers.CountInput(payment_type_id=type_id, counted=Decimal(amount))
                for type_id, amount in (counted or {}).items()
            ],
            client_id=client_id,
        )
        uow.session.expunge_all()
        return closed


# --- payments ---


@dataclass
class TerminalSimulator:
    """A `comptoir terminal-simulator` process on a loopback port."""

    process: subprocess.Popen[bytes]
    url: str

    def set_scenario(self, scenario: str, **options: float) -> None:
        reply = httpx.put(f"{self.url}/v1/scenario", json={"scenario": scenario, **options})
        assert reply.status_code == 200, reply.text

    def ledger(self, kind: str | None = None) -> list[dict[str, Any]]:
        entries = httpx.get(f"{self.url}/v1/ledger").json()["entries"]
        return [e for e in entries if kind is None or e["kind"] == kind]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_simulator(**options: str) -> Iterator[TerminalSimulator]:
    """Start the simulator as its own process, wait until it answers, stop it after."""
    import time

    port = free_port()
    args = [f"--{name}={value}" for name, value in options.items()]
    process = subprocess.Popen(
        [sys.executable, "-m", "comptoir.cli", "terminal-simulator", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/v1/ledger", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the terminal simulator did not start")
        yield TerminalSimulator(process=process, url=url)
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_terminal_type(shop: Store, *, address: str, name: str = "Card (terminal)") -> PaymentType:
    """An integrated card payment type on the simulator at `address`."""
    from comptoir.payments import adapters  # noqa: F401
    from comptoir.payments.settings import set_terminal

    with shop.uow() as uow:
        card = store.create_payment_type(uow, name=name, type_id=PaymentKind.CARD_EXTERNAL)
    with shop.uow() as uow:
        set_terminal(uow, payment_type_id=card.id, provider="simulator", address=address)
    with shop.uow() as uow:
        made = store.get_payment_type(uow.session, payment_type_id=card.id)
        uow.session.expunge(made)
        return made


# Purchase orders (helper A, issue 13) ----------------------------------------------------


def make_purchase_supplier(
    shop: Store, *, name: str | None = None, email: str | None = "orders@supplier.example"
) -> Any:
    """A supplier (catalog) that purchase orders are sent to."""
    from comptoir.catalog import entities

    with shop.uow() as uow:
        return entities.create_supplier(
            uow,
            fields=entities.SupplierFields(
                name=name or f"Supplier {uuid.uuid4().hex[:6]}", email=email
            ),
        )


def supply_product(shop: Store, product: Product, supplier_id: uuid.UUID) -> None:
    """`product` is bought from `supplier_id`."""
    with shop.uow() as uow:
        row = uow.session.get(Product, product.id)
        assert row is not None
        row.supplier_id = supplier_id
        uow.commit()


def set_reorder(shop: Store, product: Product, *, point: str, restock: str) -> None:
    """The product's reorder point and restock level at the shop's outlet."""
    with shop.uow() as uow:
        inventory.set_reorder_levels(
            uow.session,
            settings=[
                inventory.ReorderSettings(
                    product_id=product.id,
                    outlet_id=shop.outlet.id,
                    reorder_point=Decimal(point),
                    restock_level=Decimal(restock),
                )
            ],
        )
        uow.commit()


# Consignments API writes (part "api", issue 13) -----------------------------------------


def make_outlet(shop: Store, *, name: str = "Annex") -> Outlet:
    """A second outlet (a transfer's destination)."""
    from comptoir.store import service as store_service

    with shop.uow() as uow:
        return store_service.create_outlet(
            uow, fields=store_service.OutletFields(name=name, time_zone="Europe/Paris")
        )


def consignments_state(shop: Store) -> tuple[Any, ...]:
    """Every consignment, line and delivery with what a write changes: compared before and
    after a refused request."""
    from comptoir.inventory.consignments.models import (
        Consignment,
        ConsignmentDelivery,
        ConsignmentProduct,
    )

    with shop.db.read_sessions() as session:
        consignments = session.execute(
            select(
                Consignment.id, Consignment.status, Consignment.name, Consignment.reference,
                Consignment.due_at, Consignment.supplier_invoice, Consignment.deleted_at,
                Consignment.version,
            ).order_by(Consignment.id)
        ).all()  # fmt: skip
        lines = session.execute(
            select(
                ConsignmentProduct.id, ConsignmentProduct.count, ConsignmentProduct.received,
                ConsignmentProduct.cost, ConsignmentProduct.deleted_at, ConsignmentProduct.version,
            ).order_by(ConsignmentProduct.id)
        ).all()  # fmt: skip
        deliveries = count_rows(shop.db, ConsignmentDelivery)
    return (tuple(consignments), tuple(lines), deliveries, snapshot(shop))


def empty_database(database: Database) -> None:
    """Every table emptied and the version counter reset: a new store's database (the `db`
    fixture's start, and each example of a property test that needs a fresh store)."""
    with database.write_sessions() as session, session.begin():
        # Only a test may empty the insert-only fiscal tables: it lifts their triggers
        # inside this transaction.
        with suspended_triggers(session.connection()):
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
        session.execute(insert(StoreCounter).values(name=VERSION_COUNTER, value=0))
