"""Customer profiles, codes, groups, search, figures and GDPR requests."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from comptoir.accounts.models import SecurityEvent
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.customers import gdpr, groups, service
from comptoir.customers.models import Customer, MarketingConsent
from comptoir.sales.models import Sale
from tests.factories import Store, make_customer, make_product, make_sale


def count_customers(shop: Store) -> int:
    with shop.db.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_a_new_customer_gets_a_unique_code_and_joins_all_customers(shop: Store) -> None:
    first = make_customer(shop, first_name="Léa", last_name="Martin")
    second = make_customer(shop, first_name="Hugo")
    assert first.customer_code != second.customer_code
    assert first.customer_code.startswith("C-")
    with shop.db.read_sessions() as session:
        default = groups.default_group(session)
    assert first.customer_group_id == second.customer_group_id == default.id
    assert default.name == "All Customers"


def test_a_code_given_by_the_shop_is_kept_and_cannot_be_reused(shop: Store) -> None:
    make_customer(shop, first_name="A", customer_code="CARD-0001")
    before = count_customers(shop)
    with pytest.raises(InvalidInput, match="already used"):
        make_customer(shop, first_name="B", customer_code="CARD-0001")
    assert count_customers(shop) == before


def test_a_generated_code_skips_one_the_shop_already_typed(shop: Store) -> None:
    make_customer(shop, first_name="A", customer_code="C-10001")
    generated = make_customer(shop, first_name="B")
    assert generated.customer_code == "C-10002"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "gender": "Q"}, "gender"),
        ({"first_name": "A", "date_of_birth": "31/02/1990"}, "date_of_birth"),
        ({"first_name": "A", "date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"first_name": "A", "date_of_birth": "yesterday"}, "date_of_birth"),
        ({"first_name": "A", "physical_country_id": "France"}, "physical_country_id"),
        ({"first_name": "A", "on_account_limit": "-5"}, "on_account_limit"),
        ({"first_name": "A", "on_account_limit": 1.5}, "on_account_limit"),
        ({"first_name": "A", "on_account_limit": "abc"}, "on_account_limit"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"first_name": "A\x00B"}, "first_name"),
        ({"first_name": "A", "do_not_email": "maybe"}, "do_not_email"),
        ({"first_name": "A", "year_to_date": "100"}, "year_to_date"),
        ({"first_name": "A", "customer_group_id": str(uuid.uuid4())}, "customer_group_id"),
        ({"first_name": "A", "tax_id": "nope"}, "tax_id"),
    ],
)
def test_bad_profile_fields_are_refused_and_nothing_is_created(
    shop: Store, values: dict[str, Any], field: str
) -> None:
    before = count_customers(shop)
    with pytest.raises(InvalidInput) as error:
        make_customer(shop, **values)
    assert error.value.details.get("field") == field
    assert count_customers(shop) == before


def test_fields_are_normalised(shop: Store) -> None:
    customer = make_customer(
        shop,
        first_name="  Léa ",
        gender="female",
        date_of_birth="23/04/1985",
        physical_country_id="fr",
        on_account_limit="150.50",
        do_not_email="yes",
    )
    assert customer.first_name == "Léa"
    assert customer.gender == "F"
    assert customer.date_of_birth == date(1985, 4, 23)
    assert customer.physical_country_id == "FR"
    assert customer.on_account_limit == Decimal("150.50")
    assert customer.do_not_email is True


def test_a_retried_creation_with_the_same_client_id_creates_one_customer(shop: Store) -> None:
    client_id = uuid.uuid4()
    with shop.uow() as uow:
        first, created = service.create_customer(
            uow, values={"first_name": "Léa"}, customer_id=client_id
        )
    with shop.uow() as uow:
        again, created_again = service.create_customer(
            uow, values={"first_name": "Léa"}, customer_id=client_id
        )
    assert (created, created_again) == (True, False)
    assert again.id == first.id == client_id
    assert count_customers(shop) == 1


def test_marketing_consent_is_recorded_with_its_date_and_source_at_each_change(
    shop: Store,
) -> None:
    customer = make_customer(shop, first_name="Léa", do_not_email=False)
    with shop.uow() as uow:
        service.update_customer(
            uow,
            customer_id=customer.id,
            values={"do_not_email": True},
            source=service.ConsentSource.REGISTER,
        )
    with shop.uow() as uow:
        service.update_customer(uow, customer_id=customer.id, values={"note": "VIP"})
    with shop.db.read_sessions() as session:
        consents = session.scalars(
            select(MarketingConsent)
            .where(MarketingConsent.customer_id == customer.id)
            .order_by(MarketingConsent.recorded_at)
        ).all()
    assert [(c.granted, c.source) for c in consents] == [
        (True, "back_office"),
        (False, "register"),
    ]
    assert all(c.recorded_at is not None for c in consents)


def test_an_update_changes_only_the_fields_given(shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa", last_name="Martin", phone="0600000000")
    with shop.uow() as uow:
        updated = service.update_customer(
            uow, customer_id=customer.id, values={"last_name": "Dubois", "phone": ""}
        )
    assert (updated.first_name, updated.last_name, updated.phone) == ("Léa", "Dubois", None)


def test_a_deleted_customer_leaves_search_and_reads_but_keeps_its_sales(shop: Store) -> None:
    customer = make_customer(shop, first_name="Zoé", last_name="Lambert")
    product = make_product(shop, price="10.00")
    sale = make_sale(shop, [(product, 1)], total="10.00", customer_id=customer.id)
    with shop.uow() as uow:
        service.delete_customer(uow, customer_id=customer.id)
    with shop.db.read_sessions() as session:
        assert service.search_customers(session, text="zoe") == []
        with pytest.raises(NotFound):
            service.get_customer(session, customer_id=customer.id)
        assert session.get(Sale, sale.id).customer_id == customer.id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "typed",
    [
        "lea",
        "LÉA",
        "martin lea",
        "mart",
        "C-4242",
        "lea.martin@example.fr",
        "0612",
        "06 12 34",
        "acme",
    ],
)
def test_search_finds_by_names_code_email_phone_or_company_in_any_order(
    shop: Store, typed: str
) -> None:
    wanted = make_customer(
        shop,
        first_name="Léa",
        last_name="Martin",
        customer_code="C-4242",
        email="lea.martin@example.fr",
        mobile="06 12 34 56 78",
        company_name="ACME",
    )
    make_customer(shop, first_name="Hugo", last_name="Bernard", phone="0799999999")
    with shop.db.read_sessions() as session:
        found = service.search_customers(session, text=typed)
    assert [c.id for c in found] == [wanted.id]


def test_a_scanned_loyalty_card_code_comes_first(shop: Store) -> None:
    make_customer(shop, first_name="C 777 fan", customer_code="X-1")
    card = make_customer(shop, first_name="Owner", customer_code="777")
    with shop.db.read_sessions() as session:
        found = service.search_customers(session, text="777")
    assert found[0].id == card.id


def test_sales_require_a_known_customer(shop: Store) -> None:
    product = make_product(shop, price="10.00")
    with pytest.raises(InvalidInput, match="unknown customer"):
        make_sale(shop, [(product, 1)], total="10.00", customer_id=uuid.uuid4())


def test_year_to_date_adds_this_years_closed_sales_only(shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa")
    product = make_product(shop, price="10.00")
    make_sale(shop, [(product, 2)], total="20.00", customer_id=customer.id)
    old = make_sale(shop, [(product, 1)], total="10.00", customer_id=customer.id)
    with shop.uow() as uow:
        uow.session.execute(
            update(Sale)
            .where(Sale.id == old.id)
            .values(sale_date=utcnow().replace(year=utcnow().year - 1))
        )
        uow.commit()
    with shop.db.read_sessions() as session:
        figures = service.figures_of(session, customer_ids=[customer.id])[customer.id]
        history = service.sales_of(session, customer_id=customer.id)
    assert figures.year_to_date == Decimal("20.00")
    assert (figures.balance, figures.loyalty_balance, figures.store_credit) == (0, 0, 0)
    assert [s.total_price_incl for s in history] == [Decimal("20.00"), Decimal("10.00")]


def test_groups_are_created_renamed_and_customers_moved_between_them(shop: Store) -> None:
    customers = [make_customer(shop, first_name=n) for n in ("A", "B", "C")]
    with shop.uow() as uow:
        vip = groups.create_group(uow, name="VIP")
    with shop.uow() as uow:
        assert (
            groups.move_customers(uow, group_id=vip.id, customer_ids=[c.id for c in customers[:2]])
            == 2
        )
    with shop.uow() as uow:
        groups.rename_group(uow, group_id=vip.id, name="Très bons clients")
    with shop.db.read_sessions() as session:
        members = service.page_customers(
            session, after=None, before=None, page_size=10, group_id=vip.id
        ).items
        assert {c.first_name for c in members} == {"A", "B"}
        assert session.get(type(vip), vip.id).name == "Très bons clients"  # type: ignore[union-attr]


def test_a_moved_customer_takes_a_new_version_for_sync(shop: Store) -> None:
    customer = make_customer(shop, first_name="A")
    with shop.uow() as uow:
        group = groups.create_group(uow, name="VIP")
    with shop.uow() as uow:
        groups.move_customers(uow, group_id=group.id, customer_ids=[customer.id])
    with shop.db.read_sessions() as session:
        moved = session.get(Customer, customer.id)
    assert moved is not None and moved.version > customer.version


def test_deleting_a_group_returns_its_customers_to_all_customers(shop: Store) -> None:
    customer = make_customer(shop, first_name="A")
    with shop.uow() as uow:
        group = groups.create_group(uow, name="VIP")
    with shop.uow() as uow:
        groups.move_customers(uow, group_id=group.id, customer_ids=[customer.id])
    with shop.uow() as uow:
        groups.delete_group(uow, group_id=group.id)
    with shop.db.read_sessions() as session:
        moved = session.get(Customer, customer.id)
        default = groups.default_group(session)
        assert moved is not None and moved.customer_group_id == default.id
        assert [g.name for g in groups.list_groups(session)] == ["All Customers"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "all customers"])
def test_a_group_needs_a_new_name(shop: Store, name: str) -> None:
    with pytest.raises(InvalidInput), shop.uow() as uow:
        groups.create_group(uow, name=name)


def test_all_customers_cannot_be_deleted(shop: Store) -> None:
    with shop.db.read_sessions() as session:
        default = groups.default_group(session)
    with pytest.raises(InvalidInput, match="cannot be deleted"), shop.uow() as uow:
        groups.delete_group(uow, group_id=default.id)


def test_moving_an_unknown_customer_moves_nobody(shop: Store) -> None:
    customer = make_customer(shop, first_name="A")
    with shop.uow() as uow:
        group = groups.create_group(uow, name="VIP")
    with pytest.raises(InvalidInput, match="unknown customer"), shop.uow() as uow:
        groups.move_customers(uow, group_id=group.id, customer_ids=[customer.id, uuid.uuid4()])
    with shop.db.read_sessions() as session:
        assert session.get(Customer, customer.id).customer_group_id != group.id  # type: ignore[union-attr]


def test_the_gdpr_export_holds_profile_sales_balances_and_consents(shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa", email="lea@example.fr")
    product = make_product(shop, price="10.00", name="Café")
    make_sale(shop, [(product, 2)], total="20.00", customer_id=customer.id)
    with shop.uow() as uow:
        data = gdpr.export_customer_data(uow, customer_id=customer.id, actor_id=shop.owner.id)
    assert data["profile"]["email"] == "lea@example.fr"
    assert data["balances"]["year_to_date"] == "20.00000" or Decimal(
        data["balances"]["year_to_date"]
    ) == Decimal("20")
    assert data["sales"][0]["lines"][0]["name"] == "Café"
    assert data["marketing_consents"][0]["granted"] is True
    json.dumps(data)  # plain data only
    rows = gdpr.customer_data_csv(data).splitlines()
    assert rows[0] == "section,item,field,value"
    assert "profile,,email,lea@example.fr" in rows
    assert any(r.startswith("sale_line,1.1,name,Café") for r in rows)
    with shop.db.read_sessions() as session:
        logged = session.scalar(
            select(SecurityEvent).where(SecurityEvent.action == "customer_data_exported")
        )
    assert logged is not None and logged.details == {"customer_id": str(customer.id)}


def test_erasure_anonymises_the_person_and_leaves_sales_balanced(shop: Store) -> None:
    customer = make_customer(
        shop,
        first_name="Léa",
        last_name="Martin",
        email="lea@example.fr",
        phone="0612345678",
        date_of_birth="1985-04-23",
        note="allergic to nuts",
    )
    product = make_product(shop, price="10.00")
    sale = make_sale(shop, [(product, 3)], total="30.00", customer_id=customer.id)
    with shop.uow() as uow:
        gdpr.erase_customer(uow, customer_id=customer.id, actor_id=shop.owner.id)
    with shop.db.read_sessions() as session:
        erased = session.get(Customer, customer.id)
        kept = session.get(Sale, sale.id)
        assert erased is not None and kept is not None
        personal = [
            erased.first_name,
            erased.last_name,
            erased.email,
            erased.phone,
            erased.date_of_birth,
            erased.note,
        ]
        assert personal == [None] * 6
        assert "lea" not in erased.search_text and "martin" not in erased.search_text
        assert erased.customer_code.startswith("ERASED-")
        assert erased.do_not_email is True and erased.anonymised_at is not None
        assert kept.customer_id == customer.id
        assert kept.total_price_incl == Decimal("30.00")
        assert sum(p.amount for p in kept.payments) == kept.total_price_incl
        assert service.search_customers(session, text="lea") == []
    with pytest.raises(Exception), shop.uow() as uow:  # noqa: B017 - gone from reads
        gdpr.erase_customer(uow, customer_id=customer.id, actor_id=shop.owner.id)


def test_customers_inactive_longer_than_the_period_are_listed_for_review(shop: Store) -> None:
    sleeping = make_customer(shop, first_name="Old")
    buyer = make_customer(shop, first_name="Buyer")
    make_customer(shop, first_name="New")
    product = make_product(shop, price="10.00")
    make_sale(shop, [(product, 1)], total="10.00", customer_id=buyer.id)
    long_ago = utcnow() - timedelta(days=4 * 366)
    with shop.uow() as uow:
        uow.session.execute(
            update(Customer)
            .where(Customer.id.in_([sleeping.id, buyer.id]))
            .values(updated_at=long_ago)
        )
        uow.commit()
    with shop.db.read_sessions() as session:
        listed = gdpr.inactive_customers(session)
        two_years = gdpr.inactive_customers(session, years=5)
    assert [c.id for c, _ in listed] == [sleeping.id]
    assert two_years == []
