"""Store setup use cases: retailer settings, outlets, registers, taxes, payment types."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.tax import Rate
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal import events as fiscal_events
from comptoir.sales.models import Sale
from comptoir.store.models import Outlet, PaymentKind, PaymentType, Register, Retailer, Tax, TaxRate

SUPPORTED_LOCALES = ("fr", "en")


def get_retailer(session: Session) -> Retailer:
    retailer = session.scalars(select(Retailer)).first()
    if retailer is None:
        raise NotFound("the store is not set up yet: run `comptoir init`")
    return retailer


def _check_name(value: str, field: str = "name") -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{field} is required", field=field)
    return value


def _check_time_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise InvalidInput(f"unknown time zone: {value}", field="time_zone")
    return value


def _check_currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or get_currency_name(code, locale="en") == code:
        raise InvalidInput(f"unknown currency: {value}", field="currency")
    return code


def _check_locale(value: str) -> str:
    if value not in SUPPORTED_LOCALES:
        raise InvalidInput(f"unsupported language: {value}", field="locale")
    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError) as exc:
        raise InvalidInput(f"unknown locale: {value}", field="locale") from exc
    return value


@dataclass(frozen=True, kw_only=True)
class RetailerSettings:
    name: str
    currency: str
    time_zone: str
    locale: str
    tax_exclusive: bool
    sku_sequence_enabled: bool
    sku_sequence_value: int
    default_tax_id: uuid.UUID | None
    # GDPR review: customers inactive for longer than this are listed (None: unchanged).
    customer_inactivity_years: int | None = None


def update_retailer(uow: UnitOfWork, *, settings: RetailerSettings) -> Retailer:
    session = uow.session
    retailer = get_retailer(session)
    if settings.sku_sequence_value < 0:
        raise InvalidInput("the SKU sequence cannot be negative", field="sku_sequence_value")
    if settings.default_tax_id is not None:
        get_tax(session, tax_id=settings.default_tax_id)
    retailer.name = _check_name(settings.name)
    retailer.currency = _check_currency(settings.currency)
    retailer.time_zone = _check_time_zone(settings.time_zone)
    retailer.locale = _check_locale(settings.locale)
    retailer.tax_exclusive = settings.tax_exclusive
    retailer.sku_sequence_enabled = settings.sku_sequence_enabled
    retailer.sku_sequence_value = settings.sku_sequence_value
    retailer.default_tax_id = settings.default_tax_id
    if settings.customer_inactivity_years is not None:
        if not 1 <= settings.customer_inactivity_years <= 50:
            raise InvalidInput(
                "the review period is between 1 and 50 years", field="customer_inactivity_years"
            )
        retailer.customer_inactivity_years = settings.customer_inactivity_years
    fiscal_events.settings_changed(uow.session, retailer)
    uow.commit()
    return retailer


def next_sku(session: Session) -> str:
    """The next generated SKU, taken atomically so two new products never share one."""
    value = session.execute(
        update(Retailer)
        .values(sku_sequence_value=Retailer.sku_sequence_value + 1)
        .returning(Retailer.sku_sequence_value)
    ).scalar_one()
    return str(value - 1)


def reserve_skus(session: Session, *, count: int) -> range:
    """`count` consecutive SKU numbers in one atomic UPDATE, for imports that create many
    products at once: the numbers `next_sku` would have given one by one."""
    if count <= 0:
        return range(0)
    value = session.execute(
        update(Retailer)
        .values(sku_sequence_value=Retailer.sku_sequence_value + count)
        .returning(Retailer.sku_sequence_value)
    ).scalar_one()
    return range(value - count, value)


# Outlets ---------------------------------------------------------------------------------


def list_outlets(session: Session) -> list[Outlet]:
    return list(
        session.scalars(select(Outlet).where(Outlet.deleted_at.is_(None)).order_by(Outlet.name))
    )


def get_outlet(session: Session, *, outlet_id: uuid.UUID) -> Outlet:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.deleted_at is not None:
        raise NotFound("outlet not found", outlet_id=str(outlet_id))
    return outlet


@dataclass(frozen=True, kw_only=True)
class OutletFields:
    name: str
    time_zone: str
    default_tax_id: uuid.UUID | None = None
    email: str | None = None
    manager_email: str | None = None
    physical_address_1: str | None = None
    physical_city: str | None = None
    physical_postcode: str | None = None
    physical_country_id: str | None = None


def _apply_outlet(session: Session, outlet: Outlet, fields: OutletFields) -> None:
    name = _check_name(fields.name)
    clash = session.scalar(select(Outlet.id).where(Outlet.name == name, Outlet.id != outlet.id))
    if clash is not None:
        raise InvalidInput(f"an outlet named {name!r} already exists", field="name")
    if fields.default_tax_id is not None:
        get_tax(session, tax_id=fields.default_tax_id)
    outlet.name = name
    outlet.time_zone = _check_time_zone(fields.time_zone)
    outlet.default_tax_id = fields.default_tax_id
    outlet.email = fields.email or None
    outlet.manager_email = _check_email(fields.manager_email, field="manager_email")
    outlet.physical_address_1 = fields.physical_address_1 or None
    outlet.physical_city = fields.physical_city or None
    outlet.physical_postcode = fields.physical_postcode or None
    outlet.physical_country_id = fields.physical_country_id or None


def _check_email(value: str | None, *, field: str) -> str | None:
    """An optional email address: something@domain, at most 200 characters."""
    value = (value or "").strip()
    if not value:
        return None
    local, _, domain = value.rpartition("@")
    if len(value) > 200 or not local or "." not in domain or any(c.isspace() for c in value):
        raise InvalidInput(N_("this is not an email address"), field=field)
    return value


def create_outlet(uow: UnitOfWork, *, fields: OutletFields) -> Outlet:
    outlet = Outlet(id=uuid.uuid4())
    _apply_outlet(uow.session, outlet, fields)
    uow.session.add(outlet)
    fiscal_events.settings_changed(uow.session, outlet)
    uow.commit()
    return outlet


def update_outlet(uow: UnitOfWork, *, outlet_id: uuid.UUID, fields: OutletFields) -> Outlet:
    outlet = get_outlet(uow.session, outlet_id=outlet_id)
    _apply_outlet(uow.session, outlet, fields)
    fiscal_events.settings_changed(uow.session, outlet)
    uow.commit()
    return outlet


# Registers -------------------------------------------------------------------------------


def list_registers(session: Session) -> list[Register]:
    query = select(Register).where(Register.deleted_at.is_(None)).order_by(Register.name)
    return list(session.scalars(query))


def get_register(session: Session, *, register_id: uuid.UUID) -> Register:
    register = session.get(Register, register_id)
    if register is None or register.deleted_at is not None:
        raise NotFound("register not found", register_id=str(register_id))
    return register


@dataclass(frozen=True, kw_only=True)
class RegisterFields:
    name: str
    outlet_id: uuid.UUID
    invoice_prefix: str = ""
    invoice_suffix: str = ""
    # The next invoice sequence; None keeps the register's (1 for a new register), so a
    # form saved while sales went on does not take the numbering back.
    invoice_sequence: int | None = None
    print_receipt: bool = True


# A number the register already issued would be refused by every sale (one invoice number
# per sale), leaving the register unable to sell.
SEQUENCE_ALREADY_USED = N_(
    "This register has already issued this number or a later one: choose a number after "
    "the last one it issued."
)


def last_invoice_sequence(session: Session, *, register_id: uuid.UUID) -> int | None:
    """The highest invoice sequence the register has issued, None before its first sale."""
    return session.scalar(
        select(func.max(Sale.invoice_sequence)).where(Sale.register_id == register_id)
    )


def _apply_register(session: Session, register: Register, fields: RegisterFields) -> None:
    get_outlet(session, outlet_id=fields.outlet_id)
    if fields.invoice_sequence is not None:
        if fields.invoice_sequence < 1:
            raise InvalidInput("the invoice sequence starts at 1 or more", field="invoice_sequence")
        last = last_invoice_sequence(session, register_id=register.id)
        if last is not None and fields.invoice_sequence <= last:
            raise InvalidInput(SEQUENCE_ALREADY_USED, field="invoice_sequence", last_used=last)
    register.name = _check_name(fields.name)
    register.outlet_id = fields.outlet_id
    register.invoice_prefix = fields.invoice_prefix.strip()
    register.invoice_suffix = fields.invoice_suffix.strip()
    if fields.invoice_sequence is not None:
        register.invoice_sequence = fields.invoice_sequence
    elif register.invoice_sequence is None:
        register.invoice_sequence = 1
    register.print_receipt = fields.print_receipt


def create_register(uow: UnitOfWork, *, fields: RegisterFields) -> Register:
    register = Register(id=uuid.uuid4())
    _apply_register(uow.session, register, fields)
    uow.session.add(register)
    fiscal_events.settings_changed(uow.session, register)
    uow.commit()
    return register


def update_register(uow: UnitOfWork, *, register_id: uuid.UUID, fields: RegisterFields) -> Register:
    """Change a register. Its sequence may move forward, never back onto a number it has
    issued; the register row is locked first, so a sale taking a number meanwhile is
    either seen by the check or waits for this change."""
    uow.session.execute(select(Register.id).where(Register.id == register_id).with_for_update())
    register = get_register(uow.session, register_id=register_id)
    _apply_register(uow.session, register, fields)
    fiscal_events.settings_changed(uow.session, register)
    uow.commit()
    return register


class RegisterClosed(Conflict):
    """Selling, returning or taking a payment needs the register open (API 409)."""

    code = "register_closed"

    def __init__(self, *, register_id: uuid.UUID) -> None:
        super().__init__(
            N_("this register is closed: open it before selling"), register_id=str(register_id)
        )


@dataclass(frozen=True, kw_only=True)
class InvoiceNumber:
    sequence: int
    number: str
    register_session_id: uuid.UUID  # the register's open session, which takes the sale


def take_invoice_number(session: Session, *, register: Register) -> InvoiceNumber:
    """The register's next invoice sequence and number, taken atomically, and its open
    session: the same statement locks the register row, so a closing of this register takes
    turns with its sales. A closed register raises RegisterClosed (the caller rolls back)."""
    sequence, open_session_id = session.execute(
        update(Register)
        .where(Register.id == register.id)
        .values(invoice_sequence=Register.invoice_sequence + 1)
        .returning(Register.invoice_sequence, Register.open_session_id)
        .execution_options(synchronize_session=False)
    ).one()
    if open_session_id is None:
        raise RegisterClosed(register_id=register.id)
    number = f"{register.invoice_prefix}{sequence - 1}{register.invoice_suffix}"
    return InvoiceNumber(sequence=sequence - 1, number=number, register_session_id=open_session_id)


def lock_open_session(session: Session, *, register_id: uuid.UUID) -> uuid.UUID:
    """The register's open session, its row locked until commit (a payment taken on an
    existing sale: a layby, an account, a void's refund). RegisterClosed when closed."""
    found = session.execute(
        update(Register)
        .where(Register.id == register_id)
        .values(open_session_id=Register.open_session_id)
        .returning(Register.open_session_id)
        .execution_options(synchronize_session=False)
    ).first()
    if found is None or found[0] is None:
        raise RegisterClosed(register_id=register_id)
    opened: uuid.UUID = found[0]
    return opened


# Taxes -----------------------------------------------------------------------------------


def list_taxes(session: Session) -> list[Tax]:
    return list(session.scalars(select(Tax).where(Tax.deleted_at.is_(None)).order_by(Tax.name)))


def get_tax(session: Session, *, tax_id: uuid.UUID) -> Tax:
    tax = session.get(Tax, tax_id)
    if tax is None or tax.deleted_at is not None:
        raise NotFound("tax not found", tax_id=str(tax_id))
    return tax


@dataclass(frozen=True, kw_only=True)
class RateFields:
    name: str
    rate: Decimal  # a fraction: 0.2 is 20%


def _apply_tax(tax: Tax, *, name: str, rates: Sequence[RateFields]) -> None:
    if not rates:
        raise InvalidInput("a tax needs at least one rate", field="rates")
    for fields in rates:
        if fields.rate < 0 or fields.rate >= 1:
            raise InvalidInput(
                "a tax rate is a fraction between 0 and 1 (0.2 for 20%)", field="rate"
            )
    tax.name = _check_name(name)
    tax.rates = [
        TaxRate(name=_check_name(f.name, "rate name"), rate=f.rate, position=i)
        for i, f in enumerate(rates)
    ]
    # New rates alone leave the tax row unchanged, so it would keep its version and a client
    # syncing with `after=` would never see them: touching it gives it a new version.
    tax.updated_at = utcnow()


def create_tax(uow: UnitOfWork, *, name: str, rates: Sequence[RateFields]) -> Tax:
    tax = Tax(id=uuid.uuid4())
    _apply_tax(tax, name=name, rates=rates)
    uow.session.add(tax)
    fiscal_events.tax_changed(uow.session, tax)
    uow.commit()
    return tax


def update_tax(
    uow: UnitOfWork, *, tax_id: uuid.UUID, name: str, rates: Sequence[RateFields]
) -> Tax:
    tax = get_tax(uow.session, tax_id=tax_id)
    _apply_tax(tax, name=name, rates=rates)
    fiscal_events.tax_changed(uow.session, tax)
    uow.commit()
    return tax


def rates_of(tax: Tax | None) -> tuple[Rate, ...]:
    if tax is None:
        return ()
    return tuple(Rate(id=str(r.id), name=r.name, rate=r.rate) for r in tax.rates)


def default_tax_id(*, retailer: Retailer, outlet: Outlet | None) -> uuid.UUID | None:
    """The tax of a line whose product names none: the outlet's, else the store's."""
    if outlet is not None and outlet.default_tax_id is not None:
        return outlet.default_tax_id
    return retailer.default_tax_id


# Payment types ---------------------------------------------------------------------------


def list_payment_types(session: Session) -> list[PaymentType]:
    query = select(PaymentType).where(PaymentType.deleted_at.is_(None)).order_by(PaymentType.name)
    return list(session.scalars(query))


def get_payment_type(session: Session, *, payment_type_id: uuid.UUID) -> PaymentType:
    payment_type = session.get(PaymentType, payment_type_id)
    if payment_type is None or payment_type.deleted_at is not None:
        raise NotFound("payment type not found", payment_type_id=str(payment_type_id))
    return payment_type


def _check_kind(type_id: int) -> int:
    try:
        return int(PaymentKind(type_id))
    except ValueError as exc:
        raise InvalidInput(f"unknown payment kind: {type_id}", field="type_id") from exc


def create_payment_type(uow: UnitOfWork, *, name: str, type_id: int) -> PaymentType:
    payment_type = PaymentType(
        id=uuid.uuid4(), name=_check_name(name), type_id=_check_kind(type_id)
    )
    uow.session.add(payment_type)
    fiscal_events.settings_changed(uow.session, payment_type)
    uow.commit()
    return payment_type


def update_payment_type(
    uow: UnitOfWork, *, payment_type_id: uuid.UUID, name: str, type_id: int
) -> PaymentType:
    payment_type = get_payment_type(uow.session, payment_type_id=payment_type_id)
    payment_type.name = _check_name(name)
    payment_type.type_id = _check_kind(type_id)
    fiscal_events.settings_changed(uow.session, payment_type)
    uow.commit()
    return payment_type


def set_sign_in_security(
    uow: UnitOfWork, *, mfa_required_for_admins: bool, switch_protection: bool
) -> Retailer:
    """MFA mandatory for admins and the owner; a password, not a PIN, to switch to a higher
    role at a register."""
    retailer = get_retailer(uow.session)
    retailer.mfa_required_for_admins = mfa_required_for_admins
    retailer.switch_protection = switch_protection
    fiscal_events.settings_changed(uow.session, retailer)
    uow.commit()
    return retailer
