from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from comptoir.web import (
    account,
    auth,
    customer_account,
    customers,
    fiscal_settings,
    imports,
    mfa,
    payment_terminals,
    printing_settings,
    product_edit,
    product_form,
    products,
    quick_add,
    quotes,
    registers,
    reset,
    returns,
    returns_without_receipt,
    sales_history,
    sell,
    settings,
    signin_settings,
    stock_control,
    stock_counts,
    stock_orders,
    stock_returns,
    stock_transfers,
    till_settings,
    users,
)
from comptoir.web.catalog_entities import router as catalog_entities_router
from comptoir.web.render import STATIC


def install_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.router)
    app.include_router(mfa.router)
    app.include_router(reset.router)
    app.include_router(sell.router)
    app.include_router(registers.router)
    app.include_router(quotes.router)
    app.include_router(returns.router)
    app.include_router(returns_without_receipt.router)
    app.include_router(sales_history.router)
    # Before the product pages: /products/import is not a product id.
    app.include_router(imports.router)
    app.include_router(products.router)
    app.include_router(product_form.router)
    app.include_router(product_edit.router)
    app.include_router(quick_add.router)
    app.include_router(customer_account.router)
    app.include_router(customers.router)
    app.include_router(catalog_entities_router)
    app.include_router(payment_terminals.router)
    app.include_router(settings.router)
    app.include_router(users.router)
    app.include_router(account.router)
    app.include_router(signin_settings.router)
    app.include_router(till_settings.router)
    app.include_router(printing_settings.router)
    app.include_router(fiscal_settings.router)
    app.include_router(stock_control.router)
    app.include_router(stock_orders.router)
    app.include_router(stock_transfers.router)
    app.include_router(stock_returns.router)
    app.include_router(stock_counts.router)
