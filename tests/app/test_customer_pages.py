"""Customer pages through the test client, with personas: table, bulk actions, reasons,
export, detail, edit and my customers."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from python_calamine import CalamineWorkbook
from tests.conftest import make_customer

from fenpei.allocation.models import Assignment, AssignmentSource, Run, RunScope
from fenpei.allocation.services import customers_assign, run_apply, run_create
from fenpei.customers import paging
from fenpei.customers.models import Customer
from fenpei.teams.access import viewer_of

pytestmark = pytest.mark.django_db

HUATONG = "上海华通科技有限公司"
JINGGONG = "苏州精工机械有限公司"
BAIHUO = "杭州百货零售有限公司"
PUJIANG = "上海浦江贸易有限公司"
NANFANG = "广州南方电子有限公司"
TIANSHAN = "乌鲁木齐天山矿业有限公司"
TABLE = "/customers/"


@pytest.fixture
def owned(company, customers):
    """华通 → rep, 精工 → rep2 (华东), 南方 → other_rep (华南); the rest in the pool."""
    admin = viewer_of(company.admin)
    by_name = {c.name: c for c in customers}
    customers_assign(admin, [by_name[HUATONG].pk], company.rep.pk, note="老客户")
    customers_assign(admin, [by_name[JINGGONG].pk], company.rep2.pk)
    customers_assign(admin, [by_name[NANFANG].pk], company.other_rep.pk)
    return {c.name: Customer.objects.get(pk=c.pk) for c in customers}


def as_user(client, user):
    client.force_login(user)
    return client


def texts_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# ------------------------------------------------------------------------- table


def test_urls_keep_their_names():
    assert reverse("customers:table") == TABLE
    assert reverse("customers:mine") == "/mine/"
    assert reverse("customers:export") == "/customers/export.xlsx"


def test_login_required(client, company):
    response = client.get(TABLE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_manager_table_shows_own_team_and_pool_with_bulk_actions(client, company, owned):
    response = as_user(client, company.manager).get(TABLE)
    assert response.status_code == 200
    page = response.content.decode()
    for name in (HUATONG, JINGGONG, BAIHUO, PUJIANG, TIANSHAN):
        assert name in page
    assert NANFANG not in page
    assert 'id="bulk"' in page and 'name="ids"' in page
    assert "<html" in page  # a full page on a normal request


def test_table_rows_link_each_customer_and_word_its_intent_and_status(client, company, owned):
    huatong = owned[HUATONG]
    Customer.objects.filter(pk=huatong.pk).update(stage="won")
    page = as_user(client, company.manager).get(TABLE, {"q": "华通"}).content.decode()
    detail = reverse("customers:detail", args=[huatong.pk])
    why = reverse("customers:reasons", args=[huatong.pk])
    assert f'<a href="{detail}">{HUATONG}</a>' in page
    assert f'hx-get="{why}" hx-target="#why-{huatong.pk}"' in page
    row = page[page.index(detail) : page.index(why)]
    assert '<td class="wide">高</td>' in row and '<td class="wide">已成交' in row
    english = as_user(client, company.manager).get(TABLE, {"q": "华通"}, HTTP_ACCEPT_LANGUAGE="en")
    row = english.content.decode()
    row = row[row.index(detail) : row.index(why)]
    assert '<td class="wide">high</td>' in row and '<td class="wide">won' in row


def test_htmx_request_gets_only_the_table_fragment(client, company, owned):
    response = as_user(client, company.manager).get(
        TABLE, {"owner": "pool"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "<html" not in page and 'id="filters"' not in page
    assert page.lstrip().startswith('<div id="customer-table"')
    assert BAIHUO in page and HUATONG not in page
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(client, company, owned):
    response = as_user(client, company.manager).get(
        TABLE, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_filters_and_search_in_the_table(client, company, owned):
    client = as_user(client, company.manager)
    page = client.get(TABLE, {"q": "htkj"}).content.decode()
    assert HUATONG in page and PUJIANG not in page
    page = client.get(TABLE, {"region": "上海", "owner": "pool"}).content.decode()
    assert PUJIANG in page and HUATONG not in page and BAIHUO not in page
    page = client.get(TABLE, {"owner": "nonsense", "tier": "Q", "sort": "drop table"})
    assert page.status_code == 200  # bad values are ignored, not errors


def test_table_pages_by_fifty_and_keeps_filters_in_links(client, company, owned):
    for n in range(60):
        make_customer(f"分页客户{n:03d}有限公司", region="江苏", priority=n)
    client = as_user(client, company.manager)
    first = client.get(TABLE, {"region": "江苏"}).content.decode()
    assert first.count('name="ids"') == 50
    assert "region=%E6%B1%9F%E8%8B%8F" in first and "page=2" in first
    second = client.get(TABLE, {"region": "江苏", "page": "2"}).content.decode()
    assert second.count('name="ids"') == 11  # 60 + 精工
    # Highest priority first: customer 59 on page 1, customer 0 on page 2.
    assert "分页客户059" in first and "分页客户000" in second
    assert client.get(TABLE, {"page": "999"}).status_code == 200


def test_sort_links_toggle_and_reset_the_page(client, company, owned):
    client = as_user(client, company.manager)
    page = client.get(TABLE, {"sort": "-priority", "page": "1", "q": "公司"}).content.decode()
    # sorted high to low now: the link turns it round, keeps the search, drops the page
    assert 'href="?sort=priority&amp;q=%E5%85%AC%E5%8F%B8"' in page
    assert 'href="?sort=-value&amp;q=%E5%85%AC%E5%8F%B8"' in page  # big numbers first
    assert 'href="?sort=name&amp;q=%E5%85%AC%E5%8F%B8"' in page
    assert 'name="sort" value="-priority" form="filters"' in page


def test_rep_sees_own_and_pool_without_bulk_actions(client, company, owned):
    page = as_user(client, company.rep_user).get(TABLE).content.decode()
    assert HUATONG in page and BAIHUO in page
    assert JINGGONG not in page and NANFANG not in page
    assert 'id="bulk"' not in page and 'name="ids"' not in page
    assert reverse("customers:export") not in page


def test_outsider_gets_403_on_the_table(client, company, owned):
    assert as_user(client, company.outsider).get(TABLE).status_code == 403


# ------------------------------------------------------------- large tables


def many_customers(company, n: int) -> None:
    """`n` customers of 华东 at once (bulk, as an import would)."""
    Customer.objects.bulk_create(
        Customer(
            key=f"BULK{i:05d}",
            name=f"批量客户{i:05d}有限公司",
            name_key=f"批量客户{i:05d}",
            region="江苏",
            team=company.east,
            priority=i % 100,
        )
        for i in range(n)
    )


def count_text(page: Any) -> str:
    if not isinstance(page, str):
        page = page.content.decode()
    start = page.index('id="customer-count"')
    return page[page.index(">", start) + 1 : page.index("</span>", start)]


def table_pages() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size('customers_customer') / 8192")
        return int(cursor.fetchone()[0])


@pytest.fixture
def sampled(company, owned, monkeypatch):
    """600 more customers of 华东, and counts estimated above 100 rows from a sample of
    half the table's pages (the real limits, 10,000 rows and 500 pages, need a table of
    4 MB and more)."""
    many_customers(company, 600)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a large import
            cursor.execute("ANALYZE customers_customer")
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 100)
    monkeypatch.setattr(paging, "SAMPLE_PAGES", table_pages() // 2)
    cache.clear()  # estimates are kept a minute per query
    yield
    cache.clear()


def test_a_large_table_shows_an_estimated_count_on_postgresql(client, company, owned, sampled):
    client = as_user(client, company.manager)
    page = client.get(TABLE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = count_text(page)
    if connection.vendor == "postgresql":
        # "about 610 customers": a sample of the table's pages, two significant digits
        assert shown.startswith("<span title=") and "about " in shown, shown
        number = int(re.sub(r"\D", "", shown.split("about ", 1)[1]))
        assert 300 <= number <= 1200 and number % 10 == 0
        assert 'rel="next"' in page and ">13<" not in page  # no link to a "last" page
    else:
        # SQLite cannot sample: the count stays exact
        assert shown == "605 customers"
        assert ">13<" in page  # the last page
    assert page.count('name="ids"') == 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite counts exactly")
def test_an_estimate_is_kept_a_minute_for_the_same_view(client, company, owned, sampled):
    client = as_user(client, company.manager)
    before = count_text(client.get(TABLE, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    Customer.objects.filter(key__startswith="BULK00").delete()  # 600 → 5 rows
    with connection.cursor() as cursor:  # autovacuum's statistics after the delete
        cursor.execute("ANALYZE customers_customer")
    again = count_text(client.get(TABLE, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "about" in before and again == before  # the same query: the kept figure
    other = count_text(client.get(TABLE, {"tier": "C"}, HTTP_ACCEPT_LANGUAGE="en"))
    assert other == "5 customers"  # another query is counted afresh (and exactly)
    cache.clear()
    assert count_text(client.get(TABLE, HTTP_ACCEPT_LANGUAGE="en").content.decode()) == (
        "5 customers"
    )


def test_a_search_is_counted_exactly_even_in_a_large_table(client, company, owned, sampled):
    client = as_user(client, company.manager)
    page = client.get(TABLE, {"q": "批量客户0001"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert count_text(page) == "10 customers"
    page = client.get(TABLE, {"q": "批量客户000"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert count_text(page) == "100 customers"  # up to the limit: exact
    page = client.get(TABLE, {"q": "批量客户00"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    if connection.vendor == "postgresql":
        assert "about " in count_text(page)  # above it a search is estimated too
    else:
        assert count_text(page) == "600 customers"


def test_pages_past_the_estimated_end_say_so(client, company, owned, sampled):
    client = as_user(client, company.manager)
    last = client.get(TABLE, {"page": "13"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert last.count('name="ids"') == 5 and 'rel="next"' not in last
    past = client.get(TABLE, {"page": "40"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    if connection.vendor == "postgresql":
        assert "No more customers: this page is past the last one." in past
        assert 'rel="prev"' in past and 'name="ids"' not in past
    else:
        assert past.count('name="ids"') == 5  # Django's paginator: the last page instead


@pytest.mark.parametrize("keys_first_from", [0, 500])
def test_deep_pages_keep_the_order(client, company, owned, monkeypatch, keys_first_from):
    # from row 500 on (here: from the start, or never) a page's keys are read first
    monkeypatch.setattr(paging, "KEYS_FIRST_FROM", keys_first_from)
    many_customers(company, 120)
    client = as_user(client, company.manager)
    seen = []
    for number in (1, 2, 3):
        page = client.get(TABLE, {"page": str(number), "region": "江苏"}).content.decode()
        seen += re.findall(r"BULK\d{5}", page)
    assert len(seen) == len(set(seen)) == 120  # every row once, across the pages
    # priority high to low (99 … 0), equal priorities by customer no.
    assert seen[:2] == ["BULK00099", "BULK00098"]
    assert seen[-4:] == ["BULK00001", "BULK00101", "BULK00000", "BULK00100"]


# --------------------------------------------------------------- bulk reps


def test_bulk_bar_lists_reps_without_loads_until_used(client, company, owned):
    page = as_user(client, company.manager).get(TABLE, HTTP_ACCEPT_LANGUAGE="en")
    page = page.content.decode()
    assert f'hx-get="{reverse("customers:bulk_reps")}"' in page
    assert f'<option value="{company.rep.pk}">张伟 (E01)</option>' in page
    assert "/20 customers" not in page  # no load counted for the page


def test_bulk_reps_fragment_has_loads_and_keeps_the_choice(client, company, owned):
    url = reverse("customers:bulk_reps")
    client = as_user(client, company.manager)
    response = client.get(
        url, {"rep": str(company.rep2.pk)}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<select name="rep" id="bulk-rep">')
    assert "hx-get" not in page  # fetched once: the new list does not ask again
    assert "张伟 (E01) · 1/20 customers" in page
    assert f'<option value="{company.rep2.pk}" selected>李娜 (E02)' in page
    assert "王芳" not in page  # 华南's rep


def test_bulk_reps_fragment_is_for_managers(client, company, owned):
    url = reverse("customers:bulk_reps")
    assert as_user(client, company.rep_user).get(url).status_code == 403
    assert as_user(client, company.outsider).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


# ------------------------------------------------------------------------- bulk


def bulk(client, **data):
    data.setdefault("query", "owner=pool&sort=-value")
    return client.post(reverse("customers:bulk"), data)


def test_bulk_assign_as_manager(client, company, owned):
    client = as_user(client, company.manager)
    ids = [owned[BAIHUO].pk, owned[PUJIANG].pk]
    response = bulk(client, action="assign", ids=ids, rep=company.rep2.pk, note="客户指定")
    assert response.status_code == 302
    assert response["Location"] == f"{TABLE}?owner=pool&sort=-value"
    assert set(Customer.objects.filter(pk__in=ids).values_list("owner_id", flat=True)) == {
        company.rep2.pk
    }
    current = Assignment.objects.filter(customer_id__in=ids, ended_at__isnull=True)
    assert current.count() == 2
    assert {a.source for a in current} == {AssignmentSource.MANUAL}
    assert {a.note for a in current} == {"客户指定"}
    assert any("2" in m and "李娜" in m for m in texts_of(response))


def test_bulk_assign_as_rep_is_forbidden_and_changes_nothing(client, company, owned):
    client = as_user(client, company.rep_user)
    response = bulk(client, action="assign", ids=[owned[BAIHUO].pk], rep=company.rep.pk)
    assert response.status_code == 403
    assert Customer.objects.get(pk=owned[BAIHUO].pk).owner_id is None
    assert not Assignment.objects.filter(customer_id=owned[BAIHUO].pk).exists()


def test_bulk_release_returns_to_pool(client, company, owned):
    client = as_user(client, company.manager)
    response = bulk(client, action="release", ids=[owned[HUATONG].pk], note="长期未跟进")
    assert response.status_code == 302
    assert Customer.objects.get(pk=owned[HUATONG].pk).owner_id is None
    ended = Assignment.objects.get(customer=owned[HUATONG])
    assert ended.ended_at is not None and "长期未跟进" in ended.end_reason
    assert len(texts_of(response)) == 1


def test_bulk_release_needs_a_reason(client, company, owned):
    client = as_user(client, company.manager)
    response = bulk(client, action="release", ids=[owned[HUATONG].pk])
    assert response.status_code == 302
    assert Customer.objects.get(pk=owned[HUATONG].pk).owner_id == company.rep.pk
    assert "原因" in texts_of(response)[-1]


def test_bulk_errors_become_messages(client, company, owned):
    client = as_user(client, company.manager)
    # a rep of another team: the service refuses, the manager is told, nothing changes
    response = bulk(client, action="assign", ids=[owned[BAIHUO].pk], rep=company.other_rep.pk)
    assert response.status_code == 302
    assert Customer.objects.get(pk=owned[BAIHUO].pk).owner_id is None
    assert texts_of(response)[-1] == "您的团队中没有这名销售。"  # zh-hans by default
    # nothing ticked
    response = bulk(client, action="release")
    assert response.status_code == 302
    assert texts_of(response)[-1] == "请至少选择一个客户。"
    # a customer of another team is "not there" for this manager
    response = bulk(client, action="release", ids=[owned[NANFANG].pk], note="不在范围")
    assert Customer.objects.get(pk=owned[NANFANG].pk).owner_id == company.other_rep.pk
    assert texts_of(response)[-1] == "部分所选客户已不存在或不在您的权限范围内。"
    # the messages are shown on the table the manager comes back to
    page = client.get(response["Location"]).content.decode()
    assert "部分所选客户" in page and 'class="msg error"' in page


def test_bulk_allocate_selection_creates_a_run_and_opens_it(client, company, owned):
    client = as_user(client, company.manager)
    ids = [owned[BAIHUO].pk, owned[PUJIANG].pk]
    response = bulk(client, action="run", ids=ids)
    run = Run.objects.get()
    assert run.scope == RunScope.SELECTION and run.selection == sorted(ids)
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"


# ------------------------------------------------------------------------ reasons


@pytest.fixture
def from_run(company, customers):
    """The unrouted pool allocated by a run and applied: reasons worded by the engine."""
    manager = viewer_of(company.manager)
    run_apply(manager, run_create(manager, scope="unassigned").pk)
    return Customer.objects.get(name=HUATONG)


def test_reasons_fragment_in_chinese_by_default(client, company, from_run):
    url = reverse("customers:reasons", args=[from_run.pk])
    response = as_user(client, company.manager).get(url, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.startswith(f'<tr id="why-{from_run.pk}"')
    assert "优先级" in page and "张伟" in page
    assert "priority" not in page


def test_reasons_fragment_in_english_by_header_and_cookie(client, company, from_run):
    url = reverse("customers:reasons", args=[from_run.pk])
    client = as_user(client, company.manager)
    page = client.get(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "priority" in page and "优先级" not in page
    client.cookies["django_language"] = "en"
    page = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "priority" in page and "优先级" not in page


def test_reasons_of_an_unowned_customer_say_so(client, company, owned):
    url = reverse("customers:reasons", args=[owned[BAIHUO].pk])
    response = as_user(client, company.rep_user).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "in the pool" in response.content.decode()
    assert "<html" in response.content.decode()  # a small page without htmx


def test_reasons_of_someone_elses_customer_are_404(client, company, owned):
    url = reverse("customers:reasons", args=[owned[JINGGONG].pk])
    assert as_user(client, company.rep_user).get(url).status_code == 404


# ------------------------------------------------------------------------- export


def read_xlsx(content: bytes) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book.get_sheet_by_index(0).to_python()


def test_export_writes_the_filtered_rows(client, company, owned):
    client = as_user(client, company.manager)
    response = client.get(reverse("customers:export"), {"region": "上海", "sort": "key"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response.content)
    header, body = rows[0], rows[1:]
    assert header[:2] == ["客户编号", "客户名称"]
    assert sorted(r[1] for r in body) == sorted([HUATONG, PUJIANG])
    huatong = next(r for r in body if r[1] == HUATONG)
    assert huatong[5] == 500000 and huatong[9] == "张伟" and huatong[11] == "华东"
    assert "老客户" in str(huatong[-1])  # the reasons of the current assignment


def test_export_in_english(client, company, owned):
    client = as_user(client, company.manager)
    response = client.get(reverse("customers:export"), HTTP_ACCEPT_LANGUAGE="en")
    rows = read_xlsx(response.content)
    assert rows[0][:2] == ["Customer ID", "Customer"]
    assert len(rows) == 1 + 5


def test_export_is_for_managers(client, company, owned):
    assert as_user(client, company.rep_user).get(reverse("customers:export")).status_code == 403


# ------------------------------------------------------------------------- detail


def test_detail_shows_fields_and_history_with_reasons(client, company, owned):
    manager = viewer_of(company.manager)
    customers_assign(manager, [owned[HUATONG].pk], company.rep2.pk, note="调整区域")
    url = reverse("customers:detail", args=[owned[HUATONG].pk])
    page = as_user(client, company.manager).get(url).content.decode()
    assert HUATONG in page and "李娜" in page and "张伟" in page
    assert "老客户" in page and "调整区域" in page
    assert reverse("customers:edit", args=[owned[HUATONG].pk]) in page


def test_rep_detail_of_own_and_pool(client, company, owned):
    client = as_user(client, company.rep_user)
    page = client.get(reverse("customers:detail", args=[owned[HUATONG].pk]))
    assert page.status_code == 200
    assert reverse("customers:edit", args=[owned[HUATONG].pk]) not in page.content.decode()
    assert client.get(reverse("customers:detail", args=[owned[BAIHUO].pk])).status_code == 200


def test_detail_of_another_reps_customer_is_404(client, company, owned):
    client = as_user(client, company.rep_user)
    assert client.get(reverse("customers:detail", args=[owned[JINGGONG].pk])).status_code == 404
    other = as_user(client, company.other_rep_user)
    assert other.get(reverse("customers:detail", args=[owned[HUATONG].pk])).status_code == 404


# --------------------------------------------------------------------------- edit


def form_data(customer: Customer, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": customer.name,
        "credit_code": customer.credit_code,
        "industry": customer.industry,
        "region": customer.region,
        "city": customer.city,
        "address": customer.address,
        "potential_value": str(customer.potential_value),
        "intent": customer.intent,
        "products": "",
        "contact": "",
        "phone": "",
        "email": "",
        "deal_count": 0,
        "deal_amount": "0",
        "last_deal": "",
        "is_new": "unknown",
        "stage": customer.stage,
    }
    data.update(changes)
    return data


def test_edit_saves_and_rescores(client, company, owned):
    customer = owned[TIANSHAN]
    url = reverse("customers:edit", args=[customer.pk])
    client = as_user(client, company.manager)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        form_data(
            customer,
            potential_value="5000000",
            products="ERP、CRM, 云服务",
            credit_code="91650100ma7abcde1x",
        ),
    )
    assert response.status_code == 302
    saved = Customer.objects.get(pk=customer.pk)
    assert saved.potential_value == Decimal("5000000")
    assert saved.products == ["ERP", "CRM", "云服务"]
    assert saved.credit_code == "91650100MA7ABCDE1X"
    assert saved.priority > customer.priority


def test_edit_negative_value_is_refused_and_nothing_saved(client, company, owned):
    customer = owned[TIANSHAN]
    client = as_user(client, company.manager)
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        form_data(customer, potential_value="-1", name="改名了"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["potential_value"]
    saved = Customer.objects.get(pk=customer.pk)
    assert saved.name == TIANSHAN and saved.potential_value == customer.potential_value


def test_edit_duplicate_credit_code_is_refused(client, company, owned):
    Customer.objects.filter(pk=owned[BAIHUO].pk).update(credit_code="91330100MA2CD1234X")
    customer = owned[TIANSHAN]
    client = as_user(client, company.manager)
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        form_data(customer, credit_code="91330100ma2cd1234x", city="喀什"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["credit_code"]
    assert "Another customer already has this credit code." in response.content.decode()
    saved = Customer.objects.get(pk=customer.pk)
    assert saved.credit_code == "" and saved.city == "乌鲁木齐"


def test_rep_may_not_edit_even_own_customer(client, company, owned):
    url = reverse("customers:edit", args=[owned[HUATONG].pk])
    client = as_user(client, company.rep_user)
    assert client.get(url).status_code == 403
    response = client.post(url, form_data(owned[HUATONG], name="改名了"))
    assert response.status_code == 403
    assert Customer.objects.get(pk=owned[HUATONG].pk).name == HUATONG


def test_manager_cannot_edit_another_teams_customer(client, company, owned):
    url = reverse("customers:edit", args=[owned[NANFANG].pk])
    assert as_user(client, company.manager).get(url).status_code == 404


# --------------------------------------------------------------------------- mine


def test_mine_lists_own_customers_with_reasons(client, company, owned):
    response = as_user(client, company.rep_user).get(reverse("customers:mine"))
    page = response.content.decode()
    assert response.status_code == 200
    assert HUATONG in page and "老客户" in page
    assert JINGGONG not in page and BAIHUO not in page
    assert '1 <span class="muted">/ 20</span>' in page  # load against capacity


def test_mine_for_a_manager_with_a_rep_record(client, company, owned):
    company.rep2.user = company.manager
    company.rep2.save()
    page = as_user(client, company.manager).get(reverse("customers:mine")).content.decode()
    assert JINGGONG in page and HUATONG not in page


def test_mine_without_a_rep_record_is_404(client, company, owned):
    assert as_user(client, company.manager).get(reverse("customers:mine")).status_code == 404
    assert as_user(client, company.outsider).get(reverse("customers:mine")).status_code == 404
