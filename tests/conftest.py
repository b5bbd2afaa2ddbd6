"""Personas shared by the app tests: a small company with two teams.

admin        superuser
manager      manages team 华东 (reps rep + rep2)
rep          a 华东 rep with a login
other_rep    a rep of team 华南 (managed by other_manager)
outsider     a login with no rep and no team
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from fenpei.customers.models import Customer, Intent
from fenpei.customers.services import customer_derive
from fenpei.teams.models import Level, Rep, Team

PASSWORD = "fenpei-test"


@dataclass
class Company:
    admin: User
    manager: User
    other_manager: User
    rep_user: User
    other_rep_user: User
    outsider: User
    east: Team
    south: Team
    rep: Rep
    rep2: Rep
    other_rep: Rep


def make_user(username: str, **extra: object) -> User:
    return User.objects.create_user(username, password=PASSWORD, **extra)  # type: ignore[arg-type]


def make_customer(name: str, **fields: object) -> Customer:
    customer = Customer(name=name, **fields)  # type: ignore[arg-type]
    customer_derive(customer)
    customer.save()
    return customer


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """SQLite tests run on a file, as the app does, not Django's shared in-memory database:
    shared-cache memory databases lock whole tables and fail at once ("database table is
    locked") when a server or worker thread reads while the test writes; a file database
    has WAL and the busy timeout, like production."""
    from django.conf import settings  # noqa: PLC0415

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        test = database.setdefault("TEST", {})
        test["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    # The real hasher costs ~0.3 s per login created; tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company(db: None) -> Company:
    return make_company()


def make_company() -> Company:
    """The personas, for a fixture of a wider scope than `company`."""
    admin = make_user("admin", is_superuser=True, is_staff=True)
    manager = make_user("manager")
    other_manager = make_user("other_manager")
    rep_user = make_user("rep")
    other_rep_user = make_user("other_rep")
    outsider = make_user("outsider")
    east = Team.objects.create(name="华东", region="上海", manager=manager)
    south = Team.objects.create(name="华南", region="广东", manager=other_manager)
    rep = Rep.objects.create(
        key="E01",
        name="张伟",
        user=rep_user,
        team=east,
        level=Level.SENIOR,
        regions=["上海", "江苏"],
        industries=["制造业"],
        capacity=20,
    )
    rep2 = Rep.objects.create(
        key="E02",
        name="李娜",
        team=east,
        level=Level.JUNIOR,
        regions=["上海", "浙江"],
        industries=["零售"],
        capacity=20,
    )
    other_rep = Rep.objects.create(
        key="S01",
        name="王芳",
        user=other_rep_user,
        team=south,
        level=Level.MID,
        regions=["广东"],
        capacity=20,
    )
    return Company(
        admin,
        manager,
        other_manager,
        rep_user,
        other_rep_user,
        outsider,
        east,
        south,
        rep,
        rep2,
        other_rep,
    )


@pytest.fixture
def customers(company: Company) -> list[Customer]:
    """Six unowned customers: four in 华东's regions, one in 广东, one in 新疆."""
    return make_customers()


def make_customers() -> list[Customer]:
    rows = [
        ("上海华通科技有限公司", "上海", "上海", "制造业", "500000", Intent.HIGH),
        ("苏州精工机械有限公司", "江苏", "苏州", "制造业", "200000", Intent.MEDIUM),
        ("杭州百货零售有限公司", "浙江", "杭州", "零售", "80000", Intent.LOW),
        ("上海浦江贸易有限公司", "上海", "上海", "零售", "30000", Intent.UNKNOWN),
        ("广州南方电子有限公司", "广东", "广州", "电子", "300000", Intent.HIGH),
        ("乌鲁木齐天山矿业有限公司", "新疆", "乌鲁木齐", "矿业", "900000", Intent.HIGH),
    ]
    return [
        make_customer(
            name,
            region=region,
            city=city,
            industry=industry,
            potential_value=Decimal(value),
            intent=intent,
        )
        for name, region, city, industry, value, intent in rows
    ]
