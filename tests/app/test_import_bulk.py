"""The import's bulk paths: pinyin initials for a whole file, rows written by COPY
(PostgreSQL) or one executemany (SQLite), and two confirms of the same company at once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.db import OperationalError, connection, connections
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.customers.import_services import (
    IMPORT_LOCK,
    import_confirm,
    import_confirm_with_new,
    import_upload,
)
from fenpei.customers.models import Customer, ImportBatch, ImportStatus, Intent, Stage
from fenpei.customers.pinyin import name_initials, names_initials
from fenpei.customers.services import customer_key_for
from fenpei.engine.duplicates import normalise_name
from fenpei.teams.access import viewer_of

FULL_HEADERS = [
    "客户编号",
    "客户名称",
    "行业",
    "地区",
    "潜在价值",
    "合作意向",
    "产品需求",
    "联系人",
    "联系电话",
    "邮箱",
    "历史交易额",
    "交易次数",
    "最近交易日期",
    "客户类型",
    "现负责人",
    "统一社会信用代码",
]
CODE_A = "91310115DF6H56H4FH"  # a valid credit code (M001 of examples/messy.xlsx)


def workbook(path: Path, rows: list[list[object]], headers: list[str]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


def upload(viewer, path: Path) -> ImportBatch:
    return import_upload(viewer, file_name=path.name, data=path.read_bytes(), with_reps=False)


def pypinyin_initials(name: str) -> str:
    """What `name_initials` always gave: pypinyin on the one name."""
    parts = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(p for p in parts if p.isalnum()).lower()


# ------------------------------------------------------------------ initials


def test_initials_read_chinese_phrases_as_pypinyin_does():
    names = [
        "上海华通科技有限公司",
        "重庆银行",  # 重 chong, 行 hang: their phrases' readings, not the first ones
        "中国银行行长",
        "长沙长城电器",
        "厦门乐山乐器行",
        "沈阳石化",
        "ABC 科技",  # a run with a space in it is dropped, as before
        "A&B科技",
        "Apple Inc.",
        "上海(中国)科技",
        "１２３科技",  # full-width digits kept as written
        "〇号仓库",
        "",
    ]
    assert names_initials(names) == [pypinyin_initials(n) for n in names]
    assert name_initials("上海华通科技有限公司") == "shhtkjyxgs"
    assert name_initials("重庆银行") == "cqyh"


def test_initials_agree_with_pypinyin_on_its_whole_phrase_dictionary():
    # Phrases three at a time, so segmentation crosses their borders too.
    phrases = sorted(PHRASES_DICT)[::7]
    names = ["".join(phrases[i : i + 3]) for i in range(0, len(phrases), 3)]
    assert names_initials(names) == [pypinyin_initials(n) for n in names]


# ------------------------------------------------------------------ writes


@pytest.mark.django_db
def test_confirm_stores_every_column_of_a_new_customer(company, tmp_path):
    path = workbook(
        tmp_path / "full.xlsx",
        [
            ["K001", " 重庆银行股份有限公司 ", "金融", "重庆", "50万", "高", "贷款、理财", "刘洋",
             "+86 138-0000-0001", "liu@example.com", 120000, 3, "2025-06-01", "老", "E01", CODE_A],
            [None, "杭州新客户有限公司", None, "浙江省杭州市", None, None, None, None, None, None,
             None, None, None, "新", None, None],
        ],
        FULL_HEADERS,
    )  # fmt: skip
    manager = viewer_of(company.manager)
    batch, unowned = import_confirm_with_new(manager, upload(manager, path).pk)
    assert batch.status == ImportStatus.CONFIRMED and batch.summary["owners_given"] == 1
    bank = Customer.objects.get(key="K001")
    assert bank.name == "重庆银行股份有限公司" and bank.initials == "cqyhgfyxgs"
    assert bank.name_key == normalise_name("重庆银行股份有限公司")
    assert bank.phone_key == "13800000001" and bank.email == "liu@example.com"
    assert (bank.industry, bank.region, bank.contact) == ("金融", "重庆", "刘洋")
    assert bank.potential_value == Decimal("500000.00") and bank.intent == Intent.HIGH
    assert bank.products == ["理财", "贷款"]  # a JSON list, not its text
    assert bank.deal_amount == Decimal("120000.00") and bank.deal_count == 3
    assert bank.last_deal == date(2025, 6, 1) and bank.is_new is False
    assert bank.credit_code == CODE_A and bank.stage == Stage.LEAD and not bank.locked
    assert bank.owner == company.rep and bank.team == company.east
    assert bank.owned_since is not None and bank.created_at == bank.updated_at
    assert bank.priority > 0 and bank.tier in {"A", "B", "C"}
    first = Assignment.objects.get(customer=bank)
    assert first.rep == company.rep and first.source == AssignmentSource.IMPORT
    assert first.reasons == [{"kind": "import", "batch": batch.pk}] and first.ended_at is None
    assert first.note == "full.xlsx" and first.started_by == company.manager

    plain = Customer.objects.get(name="杭州新客户有限公司")
    assert plain.key == customer_key_for("杭州新客户有限公司")  # the stable derived number
    assert (plain.region, plain.city, plain.is_new) == ("浙江", "杭州", True)
    assert plain.products == [] and plain.potential_value == 0 and plain.owner is None
    assert plain.team == company.east and plain.initials == "hzxkhyxgs"
    # The ids handed to routing are those of the new customers left without an owner.
    assert unowned == [plain.pk]


@pytest.mark.django_db
def test_a_derived_number_already_taken_gets_the_rows_position(company, tmp_path):
    from ..conftest import make_customer  # noqa: PLC0415

    # A stored customer renamed since it got its derived number still holds it.
    taken = make_customer("改名后的公司", key=customer_key_for("杭州新客户有限公司"))
    path = workbook(tmp_path / "c.xlsx", [["杭州新客户有限公司", "上海"]], ["客户名称", "地区"])
    manager = viewer_of(company.manager)
    import_confirm(manager, upload(manager, path).pk)
    new = Customer.objects.exclude(pk=taken.pk).get()
    assert new.key == f"{taken.key}-1" and new.name == "杭州新客户有限公司"


# ------------------------------------------------------------------ at once


def _confirm_in_threads(viewer, batch_ids: list[int]) -> list[BaseException]:
    start = threading.Barrier(len(batch_ids))
    failures: list[BaseException] = []

    def confirm(batch_id: int) -> None:
        try:
            start.wait()
            import_confirm(viewer, batch_id)
        except BaseException as exc:  # reported in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(b,)) for b in batch_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_company_at_once_leave_one_record(company, tmp_path):
    """Two managers' books share a company (no 客户编号, no credit code: found by its
    name only) and are confirmed at the same moment, each on its own connection. Both
    previews say "new"; the confirms take turns (PostgreSQL: the import advisory lock;
    SQLite: the write lock taken at BEGIN), so the second finds the first's record."""
    headers = ["客户名称", "地区", "潜在价值"]
    first = workbook(tmp_path / "a.xlsx", [["共同客户有限公司", "上海", "10万"]], headers)
    second = workbook(
        tmp_path / "b.xlsx",
        [["共同客户股份有限公司", "上海", "30万"], ["另一家有限公司", "上海", None]],
        headers,
    )
    admin = viewer_of(company.admin)
    batches = [upload(admin, first), upload(admin, second)]
    assert [b.summary["new"] for b in batches] == [1, 2]
    assert _confirm_in_threads(admin, [b.pk for b in batches]) == []
    shared = Customer.objects.filter(name_key=normalise_name("共同客户有限公司"))
    assert shared.count() == 1 and Customer.objects.count() == 2
    done = [ImportBatch.objects.get(pk=b.pk) for b in batches]
    assert {b.status for b in done} == {ImportStatus.CONFIRMED}
    # Whichever went second counted the shared company as found, not new.
    assert sum(b.summary["new"] for b in done) == Customer.objects.count()


@pytest.mark.django_db(transaction=True)
def test_a_confirm_waits_while_another_import_holds_the_lock(company, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite queues writers at BEGIN")
    path = workbook(tmp_path / "a.xlsx", [["等待客户有限公司", "上海"]], ["客户名称", "地区"])
    admin = viewer_of(company.admin)
    batch = upload(admin, path)
    holder = connections.create_connection("default")  # another session: a confirm under way
    failures: list[BaseException] = []
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])

        def confirm() -> None:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '300ms'")
                import_confirm(admin, batch.pk)
            except BaseException as exc:
                failures.append(exc)
            finally:
                connection.close()

        waiting = threading.Thread(target=confirm)
        waiting.start()
        waiting.join()
    finally:
        holder.close()
    assert len(failures) == 1 and isinstance(failures[0], OperationalError)
    assert "lock timeout" in str(failures[0])
    assert not Customer.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PREVIEW
