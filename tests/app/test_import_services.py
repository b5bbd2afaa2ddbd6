"""Customer import services (导入) on the real database, with the example workbooks."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import override

from fenpei.allocation.models import Assignment, AssignmentSource
from fenpei.allocation.selectors import policy_current
from fenpei.customers.import_services import import_confirm, import_discard, import_upload
from fenpei.customers.models import Customer, ImportBatch, ImportStatus, Intent
from fenpei.customers.services import customers_rescore
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep, RepStatus, Team

from ..conftest import make_customer

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADERS = [
    "客户编号",
    "客户名称",
    "地区",
    "潜在价值",
    "合作意向",
    "联系电话",
    "统一社会信用代码",
    "现负责人",
]
# Valid credit codes (check characters right), as the example books use them.
CODE_A = "91310115DF6H56H4FH"  # M001 of messy.xlsx
CODE_M003 = "914403001FC6334D40"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The personas' passwords need no real hashing here (it is most of a test's time)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def upload(viewer, path: Path, **options) -> ImportBatch:
    return import_upload(viewer, file_name=path.name, data=path.read_bytes(), **options)


def workbook(path: Path, rows: list[list[object]], headers: list[str] = HEADERS) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("客户")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


# --------------------------------------------------------------------- messy.xlsx


def test_upload_previews_and_writes_nothing(company):
    manager = viewer_of(company.manager)
    batch = upload(manager, EXAMPLES / "messy.xlsx", with_reps=False)
    assert batch.status == ImportStatus.PREVIEW and batch.team == company.east
    s = batch.summary
    # 18 named rows (M001 and M019 are one company) and 4 left out (no name, a section
    # row, a totals row, a note).
    assert s["rows"] == 22 and s["skipped_rows"] == 4
    assert s["new"] == 17 and s["updated"] == 0 and s["customers"] == 17
    assert s["merged_list"] == [
        {"rows": [5, 25], "name": "上海张江微电子股份有限公司", "by": ["name"]}
    ]
    rows = {(e["row"], e["column"]) for e in batch.errors}
    assert (14, "潜在价值（万元）") in rows  # a negative amount
    assert (19, "公司名称*") in rows  # no name
    assert (13, "业务员") in rows  # 赵六: no such rep
    assert (
        not Customer.objects.exists()
        and not Rep.objects.exclude(key__in=["E01", "E02", "S01"]).exists()
    )


def test_confirm_creates_the_good_customers_in_the_managers_team(company):
    manager = viewer_of(company.manager)
    batch = import_confirm(manager, upload(manager, EXAMPLES / "messy.xlsx", with_reps=False).pk)
    assert batch.status == ImportStatus.CONFIRMED and batch.confirmed_at is not None
    customers = {c.key: c for c in Customer.objects.all()}
    assert len(customers) == 17 and "M013" not in customers and "M019" not in customers
    assert {c.team for c in customers.values()} == {company.east}
    m003 = customers["M003"]
    assert m003.potential_value == Decimal("120000000.00") and m003.intent == Intent.HIGH
    assert m003.region == "广东" and m003.city == "深圳" and m003.credit_code == CODE_M003
    assert customers["M001"].address == "上海市浦东新区张江路88号"
    assert customers["M009"].potential_value == 0  # -20 was a bad cell
    # Priority and tier are the policy's, as a rescore computes them.
    expected = list(Customer.objects.order_by("pk"))
    customers_rescore(expected, policy_current(), timezone.localdate())
    stored = list(Customer.objects.order_by("pk"))
    assert [(c.priority, c.tier) for c in stored] == [(c.priority, c.tier) for c in expected]
    assert {c.tier for c in stored} >= {"A", "C"}
    # 现负责人 by name and key among the manager's reps: M018 says S001 (nobody here),
    # M001 张伟 and its twin M019 李娜 disagree: a conflict, no owner.
    assert customers["M001"].owner is None
    assert batch.summary["conflicts"] == 1
    assert batch.summary["conflict_list"][0]["kind"] == "sheet"


def test_importing_the_same_file_again_creates_nothing(company):
    manager = viewer_of(company.manager)
    import_confirm(manager, upload(manager, EXAMPLES / "messy.xlsx", with_reps=False).pk)
    before = {c.key: (c.updated_at, c.priority) for c in Customer.objects.all()}
    again = upload(manager, EXAMPLES / "messy.xlsx", with_reps=False)
    assert again.summary["new"] == 0 and again.summary["unchanged"] == 17
    again = import_confirm(manager, again.pk)
    assert {c.key: (c.updated_at, c.priority) for c in Customer.objects.all()} == before


def test_the_reps_sheet_is_imported_into_the_managers_teams_only(company):
    manager = viewer_of(company.manager)
    batch = upload(manager, EXAMPLES / "messy.xlsx")
    s = batch.summary
    # S003 and S004 are in 华南, which another manager runs.
    assert s["reps_skipped"] == 2 and s["reps_new"] == 5
    assert sorted(s["teams_new"]) == ["华北", "大客户部", "西部"]
    import_confirm(manager, batch.pk)
    s001 = Rep.objects.get(key="S001")
    assert s001.team == company.east and s001.name == "张伟" and s001.capacity == 30
    assert sorted(s001.regions) == ["上海", "江苏"]
    assert Rep.objects.get(key="S005").status == RepStatus.DEPARTED
    assert Team.objects.get(name="华北").manager == company.manager
    assert not Rep.objects.filter(key__in=["S003", "S004"]).exists()
    # M002 names S002, a rep of this sheet: it gets that owner, recorded as an import.
    m002 = Customer.objects.get(key="M002")
    assert m002.owner.key == "S002"
    current = Assignment.objects.get(customer=m002, ended_at__isnull=True)
    assert current.source == AssignmentSource.IMPORT and current.reasons[0]["kind"] == "import"


def test_gbk_csv_of_customers_alone(company):
    manager = viewer_of(company.manager)
    batch = import_confirm(manager, upload(manager, EXAMPLES / "messy_gbk.csv").pk)
    assert Customer.objects.count() == 4
    assert Customer.objects.filter(name="𠮷野家餐饮管理（上海）有限公司", region="上海").exists()
    assert all(e["sheet"] == "messy_gbk.csv" for e in batch.errors)


# ------------------------------------------------------------------------ matching


def test_a_row_matches_a_stored_customer_by_credit_code(company, tmp_path):
    stored = make_customer("旧名字有限公司", key="OLD1", credit_code=CODE_A, team=company.east)
    path = workbook(
        tmp_path / "c.xlsx", [["NEW1", "新名字科技有限公司", "上海", 100000, "高", None, CODE_A]]
    )
    manager = viewer_of(company.manager)
    batch = upload(manager, path)
    assert batch.summary["updated"] == 1 and batch.summary["new"] == 0
    import_confirm(manager, batch.pk)
    stored.refresh_from_db()
    assert Customer.objects.count() == 1
    assert stored.key == "OLD1" and stored.name == "新名字科技有限公司"
    assert stored.potential_value == Decimal("100000") and stored.intent == Intent.HIGH
    assert stored.name_key != "旧名字"


def test_a_row_matches_by_normalised_name_and_empty_cells_keep_data(company, tmp_path):
    stored = make_customer(
        "上海华通科技有限公司", phone="021-1234", potential_value=Decimal(5), team=company.east
    )
    path = workbook(
        tmp_path / "c.xlsx", [[None, " 上海华通科技（有限公司）", "上海", None, "中", None, CODE_A]]
    )
    manager = viewer_of(company.manager)
    import_confirm(manager, upload(manager, path).pk)
    stored.refresh_from_db()
    assert Customer.objects.count() == 1
    assert stored.credit_code == CODE_A and stored.intent == Intent.MEDIUM
    assert stored.phone == "021-1234" and stored.potential_value == Decimal(5)  # empty cells


def test_rows_of_one_customer_in_a_file_become_one(company, tmp_path):
    path = workbook(
        tmp_path / "c.xlsx",
        [
            ["K1", "甲公司", "上海", 100, "低", "13800138000", None],
            ["K2", "乙公司", "江苏", 200, None, None, CODE_A],
            ["K1", "甲公司", None, 300, None, None, None],  # the same 客户编号
            ["K3", "乙有限公司", "浙江", None, None, None, None],  # 乙 by normalised name
        ],
    )
    manager = viewer_of(company.manager)
    batch = import_confirm(manager, upload(manager, path).pk)
    assert Customer.objects.count() == 2 and batch.summary["merged_rows"] == 4
    first = Customer.objects.get(key="K1")
    assert first.potential_value == 300 and first.region == "上海" and first.phone == "13800138000"
    second = Customer.objects.get(key="K2")
    assert second.region == "浙江" and second.name == "乙有限公司" and second.credit_code == CODE_A


def test_a_customer_of_another_team_is_neither_changed_nor_duplicated(company, tmp_path):
    theirs = make_customer("广州南方电子有限公司", industry="电子", team=company.south)
    path = workbook(
        tmp_path / "c.xlsx", [[None, "广州南方电子有限公司", "广东", 1, "高", None, None]]
    )
    manager = viewer_of(company.manager)
    batch = import_confirm(manager, upload(manager, path).pk)
    assert batch.summary["other_team"] == 1 and batch.summary["new"] == 0
    assert Customer.objects.count() == 1
    theirs.refresh_from_db()
    assert theirs.potential_value == 0 and theirs.team == company.south


def test_owner_given_to_unowned_customers_and_conflicts_left_alone(company, tmp_path):
    owned = make_customer("已有负责人有限公司", team=company.east, owner=company.rep2)
    path = workbook(
        tmp_path / "c.xlsx",
        [
            [None, "已有负责人有限公司", "上海", None, None, None, None, "张伟"],
            [None, "新客户有限公司", "上海", None, None, None, None, "E01"],
            [None, "别人的销售有限公司", "上海", None, None, None, None, "王芳"],
        ],
    )
    manager = viewer_of(company.manager)
    batch = import_confirm(manager, upload(manager, path).pk)
    owned.refresh_from_db()
    assert owned.owner == company.rep2  # 撞单: the sheet says 张伟, nothing changes
    assert batch.summary["conflict_list"][0]["current"] == "李娜 (E02)"
    new = Customer.objects.get(name="新客户有限公司")
    assert new.owner == company.rep and new.owned_since is not None
    # 王芳 is another manager's rep: not one of this manager's reps.
    assert Customer.objects.get(name="别人的销售有限公司").owner is None
    assert any(e["value"] == "王芳" for e in batch.errors)


def test_locked_needs_an_owner(company, tmp_path):
    headers = ["客户名称", "地区", "现负责人", "锁定"]
    path = workbook(
        tmp_path / "c.xlsx",
        [["甲有限公司", "上海", "E01", "是"], ["乙有限公司", "上海", None, "是"]],
        headers,
    )
    manager = viewer_of(company.manager)
    batch = import_confirm(manager, upload(manager, path).pk)
    assert Customer.objects.get(name="甲有限公司").locked
    assert not Customer.objects.get(name="乙有限公司").locked
    assert [e["row"] for e in batch.errors] == [3]


# ----------------------------------------------------------------- refusals, atomic


def test_a_file_that_is_not_a_spreadsheet_creates_nothing(company, tmp_path):
    manager = viewer_of(company.manager)
    with override("en"), pytest.raises(ValidationError, match="could not be read"):
        import_upload(manager, file_name="list.xlsx", data=b"this is not a workbook")
    with override("en"), pytest.raises(ValidationError, match="Upload an Excel"):
        import_upload(manager, file_name="photo.png", data=b"\x89PNG....")
    with override("en"), pytest.raises(ValidationError, match="customer name"):
        import_upload(manager, file_name="x.csv", data="编号,金额\n1,2\n".encode())
    assert not ImportBatch.objects.exists() and not Customer.objects.exists()


def test_reps_and_outsiders_cannot_import(company):
    for user in (company.rep_user, company.outsider):
        with pytest.raises(PermissionDenied):
            upload(viewer_of(user), EXAMPLES / "messy.xlsx")


def test_a_manager_chooses_only_among_own_teams(company):
    with pytest.raises(ValidationError) as refused:
        upload(viewer_of(company.manager), EXAMPLES / "messy.xlsx", team_id=company.south.pk)
    assert refused.value.code == "team"
    admin_batch = upload(viewer_of(company.admin), EXAMPLES / "messy.xlsx", with_reps=False)
    assert admin_batch.team is None


def test_confirm_twice_or_after_discard_does_nothing(company):
    manager = viewer_of(company.manager)
    batch = upload(manager, EXAMPLES / "messy.xlsx", with_reps=False)
    import_confirm(manager, batch.pk)
    with pytest.raises(ValidationError):
        import_confirm(manager, batch.pk)
    assert Customer.objects.count() == 17
    other = upload(manager, EXAMPLES / "messy_gbk.csv")
    import_discard(manager, other.pk)
    with pytest.raises(ValidationError):
        import_confirm(manager, other.pk)
    assert Customer.objects.count() == 17


def _refuse_assignments() -> None:
    """A trigger that makes the database itself refuse every new assignment ("refused"),
    in the dialect of the database the suite runs on."""
    if connection.vendor == "postgresql":
        statements = [
            "CREATE FUNCTION refuse_assignment() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
            "CREATE TRIGGER refuse_assignment BEFORE INSERT ON allocation_assignment "
            "FOR EACH ROW EXECUTE FUNCTION refuse_assignment()",
        ]
    else:
        statements = [
            "CREATE TRIGGER refuse_assignment BEFORE INSERT ON allocation_assignment "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_confirm_is_all_or_nothing(company, tmp_path):
    path = workbook(
        tmp_path / "c.xlsx", [[None, "新客户有限公司", "上海", 1, None, None, None, "E01"]]
    )
    manager = viewer_of(company.manager)
    batch = upload(manager, path)
    # The last write of a confirm (the owner's assignment) fails in the database.
    _refuse_assignments()
    with pytest.raises(DatabaseError):
        import_confirm(manager, batch.pk)
    assert not Customer.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW


# -------------------------------------------------------------------------- scale


def test_two_thousand_rows_import_quickly(company, tmp_path):
    rows = [
        [f"K{i:05d}", f"测试客户{i}号有限公司", ["上海", "江苏省苏州市", "浙江"][i % 3], 10_000 * (i % 50),
         ["高", "中", "低"][i % 3], f"138{i:08d}", None, "E01" if i % 4 == 0 else None]
        for i in range(2000)
    ]  # fmt: skip
    path = workbook(tmp_path / "big.xlsx", rows)
    manager = viewer_of(company.manager)
    started = time.monotonic()
    batch = import_confirm(manager, upload(manager, path).pk)
    seconds = time.monotonic() - started
    assert Customer.objects.count() == 2000 and batch.summary["owners_given"] == 500
    assert seconds < 5, seconds
    # Again: everything is found, nothing created.
    again = upload(manager, path)
    assert again.summary["unchanged"] == 2000 and again.summary["new"] == 0


def test_last_deal_and_type_are_read(company, tmp_path):
    headers = ["客户名称", "最近交易日期", "客户类型", "交易次数"]
    path = workbook(tmp_path / "c.xlsx", [["甲有限公司", "2025-06-01", "老", 3]], headers)
    manager = viewer_of(company.manager)
    import_confirm(manager, upload(manager, path).pk)
    c = Customer.objects.get()
    assert c.last_deal == date(2025, 6, 1) and c.is_new is False and c.deal_count == 3


def test_the_sheet_can_be_named_and_a_wrong_name_is_explained(company, tmp_path):
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write(0, 0, "本表说明")
    sheet = book.add_worksheet("Sheet2")
    sheet.write_row(0, 0, ["客户名称", "地区"])
    sheet.write_row(1, 0, ["甲有限公司", "上海"])
    book.close()
    manager = viewer_of(company.manager)
    assert upload(manager, path, sheet="Sheet2").summary["new"] == 1
    with override("en"), pytest.raises(ValidationError) as caught:
        upload(manager, path, sheet="客户")
    message = " ".join(caught.value.messages)
    assert "two.xlsx" in message and "Sheet2" in message and str(tmp_path) not in message


def test_reps_of_the_sheet_update_the_managers_reps(company, tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    customers = book.add_worksheet("客户")
    customers.write_row(0, 0, ["客户名称", "地区", "现负责人"])
    customers.write_row(1, 0, ["甲有限公司", "上海", "赵新"])  # the new rep, by name
    reps = book.add_worksheet("销售")
    reps.write_row(0, 0, ["工号", "姓名", "容量", "负责地区"])
    reps.write_row(1, 0, ["E01", "张伟", 35, None])  # an empty cell keeps the territory
    reps.write_row(2, 0, ["E03", "赵新", 10, "浙江"])
    reps.write_row(3, 0, ["S01", "王芳", 99, "广东"])  # another team's rep
    book.close()
    manager = viewer_of(company.manager)
    batch = upload(manager, path)
    assert (batch.summary["reps_new"], batch.summary["reps_updated"]) == (1, 1)
    assert batch.summary["skipped_reps"][0]["key"] == "S01"
    import_confirm(manager, batch.pk)
    company.rep.refresh_from_db()
    assert company.rep.capacity == 35 and company.rep.regions == ["上海", "江苏"]
    new_rep = Rep.objects.get(key="E03")
    assert new_rep.team == company.east and new_rep.regions == ["浙江"]
    assert Rep.objects.get(key="S01").capacity == 20
    assert Customer.objects.get().owner == new_rep
