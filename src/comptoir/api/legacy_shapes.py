"""The 0.9 answers as `/openapi.json` declares them (see `serialize_legacy.py` and
`serialize.register_sale`). Documentation only: the routes build their JSON themselves, and
schemathesis checks every answer against these (`response_schema_conformance`). Amounts
are JSON numbers (written from Decimals, never floats); unknown extra fields are allowed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

Text = str | None
Number = float | None  # a JSON number in the document; Comptoir writes exact decimals


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class Pagination(_Shape):
    results: int
    page: int
    page_size: int
    pages: int


class RegisterSaleProduct(_Shape):
    id: str
    product_id: Text
    register_id: str
    sequence: int
    handle: Text
    sku: Text
    name: Text
    quantity: float
    price: float
    cost: Number
    price_set: int
    discount: float
    loyalty_value: float
    tax: Number
    tax_id: Text
    tax_name: Text
    tax_rate: Number
    tax_total: Number
    price_total: Number
    attributes: list[dict[str, Any]]


class RegisterSalePayment(_Shape):
    id: str
    register_id: Text
    retailer_payment_type_id: Text
    payment_type_id: int
    name: Text
    label: Text
    payment_date: Text
    amount: float


class RegisterSaleTax(_Shape):
    id: Text
    tax: float
    name: Text
    rate: float


class RegisterSaleTotals(_Shape):
    total_tax: float
    total_price: float
    total_payment: float
    total_to_pay: float


class RegisterSale(_Shape):
    id: str
    source: Text
    source_id: Text
    register_id: str
    customer_id: Text
    customer_name: Text
    user_id: Text
    user_name: Text
    sale_date: Text
    created_at: Text
    updated_at: Text
    total_price: float
    total_cost: Number
    total_tax: float
    tax_name: Text
    note: Text
    status: str
    state: str
    short_code: Text
    invoice_number: Text
    return_for: Text
    register_sale_products: list[RegisterSaleProduct]
    register_sale_payments: list[RegisterSalePayment]
    register_sale_attributes: list[str]
    taxes: list[RegisterSaleTax]
    totals: RegisterSaleTotals


class RegisterSaleCollection(_Shape):
    register_sales: list[RegisterSale]
    pagination: Pagination | None = None  # not in the answer for one sale


class Register(_Shape):
    id: str
    name: str
    outlet_id: str
    print_receipt: str
    invoice_prefix: Text
    invoice_suffix: Text
    invoice_sequence: int
    deleted_at: Text


class RegisterCollection(_Shape):
    registers: list[Register]


class PaymentType(_Shape):
    id: str
    name: str
    payment_type_id: int


class PaymentTypeCollection(_Shape):
    payment_types: list[PaymentType]


class Rate(_Shape):
    id: str
    name: str
    rate: float


class Tax(_Shape):
    id: str
    name: str
    rate: float
    default: bool
    active: bool
    rates: list[Rate]


class TaxCollection(_Shape):
    taxes: list[Tax]


class Outlet(_Shape):
    id: str
    name: str
    time_zone: Text
    tax_id: Text
    email: Text
    physical_address1: Text
    physical_address2: Text
    physical_suburb: Text
    physical_city: Text
    physical_postcode: Text
    physical_state: Text
    physical_country_id: Text


class OutletCollection(_Shape):
    outlets: list[Outlet]


class User(_Shape):
    id: str
    username: str
    name: Text
    email: Text
    outlet_id: Text
    outlet_name: Text
    outlet_ids: list[str]
    account_type: str


class UserCollection(_Shape):
    users: list[User]


class CustomerContact(_Shape):
    company_name: Text
    phone: Text
    email: Text


class Customer(_Shape):
    id: str
    name: Text
    customer_code: str
    customer_group_id: Text
    customer_group_name: Text
    first_name: Text
    last_name: Text
    company_name: Text
    email: Text
    phone: Text
    mobile: Text
    contact: CustomerContact
    enable_loyalty: int
    date_of_birth: Text
    sex: Text
    year_to_date: str
    balance: str
    loyalty_balance: str
    updated_at: Text
    deleted_at: Text


class CustomerCollection(_Shape):
    customers: list[Customer]
    pagination: Pagination


class Supplier(_Shape):
    id: str
    source: Text
    name: str
    description: Text
    contact: dict[str, Any]


class SupplierCollection(_Shape):
    suppliers: list[Supplier]
    pagination: Pagination


class InventoryRecord(_Shape):
    outlet_id: str
    outlet_name: Text
    count: str
    reorder_point: Text
    restock_level: Text


class ProductTax(_Shape):
    outlet_id: str
    tax_id: Text


class Product(_Shape):
    id: str
    handle: str
    sku: str
    name: str
    base_name: str
    has_variants: bool
    variant_parent_id: Text
    active: bool
    description: Text
    tags: str
    brand_id: Text
    type: Text
    supplier_name: Text
    supplier_code: Text
    supply_price: Number
    account_code_purchase: Text
    account_code_sales: Text
    track_inventory: bool
    inventory: list[InventoryRecord]
    price: float
    retail_price: float
    tax_id: Text
    tax_name: Text
    tax_rate: Number
    taxes: list[ProductTax]
    updated_at: Text
    deleted_at: Text


class ProductCollection(_Shape):
    products: list[Product]
    pagination: Pagination


def answers(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: its 200 answer in this shape."""
    return {200: {"model": model, "description": "Successful Response"}}
