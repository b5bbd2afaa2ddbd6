"""The dashboards page and its Excel download: who may open them, what the filters do to
the numbers under the charts, and the page on the demo company."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook
from tests.conftest import PASSWORD
from tests.dashboards.conftest import March

pytestmark = pytest.mark.django_db

MARCH_QUERY = "period=custom&start=2026-03-01&end=2026-03-31"
CARDS = (
    "load",
    "value",
    "tiers",
    "fairness",
    "speed",
    "coverage",
    "conversion-rep",
    "conversion-industry",
    "conversion-region",
    "stale",
    "pool",
)


def _login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


class _Tables(HTMLParser):
    """The cells of every `<table data-table=…>`, as text, by table key."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._key = dict(attrs).get("data-table")
            if self._key:
                self.tables[self._key] = []
        elif self._key and tag == "tr":
            self.tables[self._key].append([])
        elif self._key and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._key = None
        elif self._key and tag in ("td", "th") and self._cell is not None:
            self.tables[self._key][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _column(rows: list[list[str]], index: int) -> dict[str, str]:
    """First cell → cell `index`, for the body rows."""
    return {row[0]: row[index] for row in rows[1:]}


# ----------------------------------------------------------------------- access


def test_who_may_open_the_dashboards(march: March) -> None:
    c = march.company
    for user in (c.admin, c.manager, c.other_manager, c.rep_user, c.other_rep_user):
        assert _login(user).get("/dashboards/").status_code == 200, user.username
        assert _login(user).get("/dashboards/figures.xlsx").status_code == 200, user.username
    assert _login(c.outsider).get("/dashboards/").status_code == 403
    assert _login(c.outsider).get("/dashboards/figures.xlsx").status_code == 403
    anonymous = Client().get("/dashboards/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert Client().get("/dashboards/figures.xlsx").status_code == 302


def test_a_manager_sees_their_teams_only(march: March) -> None:
    html = _login(march.company.manager).get(f"/dashboards/?{MARCH_QUERY}").content.decode()
    assert "张伟" in html and "李娜" in html
    assert "王芳" not in html  # the other team's rep: not in any table nor the filter
    tables = _tables(html)
    assert _column(tables["load_reps"], 2) == {"张伟": "3", "李娜": "3"}
    assert _column(tables["load_teams"], 2) == {"华东": "6"}


def test_another_teams_id_does_not_show_that_team(march: March) -> None:
    query = f"{MARCH_QUERY}&team={march.company.south.pk}"
    html = _login(march.company.manager).get(f"/dashboards/?{query}").content.decode()
    assert "王芳" not in html
    assert _column(_tables(html)["load_reps"], 2) == {"张伟": "3", "李娜": "3"}


def test_the_other_manager_sees_the_other_team(march: March) -> None:
    html = _login(march.company.other_manager).get(f"/dashboards/?{MARCH_QUERY}").content
    tables = _tables(html.decode())
    assert _column(tables["load_reps"], 2) == {"王芳": "1"}
    assert _column(tables["conversion_rep"], 2) == {"王芳": "1"}  # lost 1


def test_a_rep_sees_their_own_figures(march: March) -> None:
    html = _login(march.company.rep_user).get(f"/dashboards/?{MARCH_QUERY}").content.decode()
    tables = _tables(html)
    assert _column(tables["load_reps"], 2) == {"张伟": "3"}
    assert _column(tables["stale"], 2) == {"张伟": "2"}
    assert "李娜" not in html and "王芳" not in html
    # one rep's Gini and tier mix say nothing; no team or rep to pick
    assert 'id="card-fairness"' not in html and 'id="card-tiers"' not in html
    assert 'name="team"' not in html and 'name="rep"' not in html
    # and no links into the managers' allocation table
    assert "/customers/?owner=" not in html


# ----------------------------------------------------------------------- page


def test_every_card_has_a_chart_and_its_numbers(march: March) -> None:
    response = _login(march.company.admin).get(f"/dashboards/?{MARCH_QUERY}")
    html = response.content.decode()
    for key in CARDS:
        assert f'data-chart="{key}"' in html, key
    assert 'id="dashboard-charts"' in html  # the options, for dashboards.js
    assert "dashboards/dashboards.js" in html and "vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html.split('id="dashboard-charts"')[0].split("<main")[1]
    assert html.count("<details") == len(CARDS)
    tables = _tables(html)
    assert _column(tables["load_reps"], 2) == {"张伟": "3", "李娜": "3", "王芳": "1"}
    assert _column(tables["tiers"], 2) == {"初级": "1", "中级": "0", "高级": "1"}  # tier A
    assert _column(tables["speed"], 1) == {"张伟": "1", "李娜": "4", "王芳": "0"}
    assert _column(tables["coverage"], 2) == {"张伟": "1", "李娜": "2", "王芳": "0"}
    assert _column(tables["conversion_industry"], 1) == {"制造业": "2", "零售": "0", "电子": "0"}
    pool = _column(tables["pool"], 1)
    assert (pool["2026-03-01"], pool["2026-03-15"], pool["2026-03-31"]) == ("4", "2", "3")
    # stale rows link to the rep's customers in the allocation table
    assert f'/customers/?owner={march.company.rep.pk}"' in html


def test_the_filters_change_the_numbers(march: March) -> None:
    client = _login(march.company.admin)
    february = "period=custom&start=2026-02-01&end=2026-02-28"
    loads = _column(
        _tables(client.get(f"/dashboards/?{february}").content.decode())["load_reps"], 2
    )
    assert loads == {"张伟": "4", "李娜": "0", "王芳": "1"}
    by_rep = f"{MARCH_QUERY}&rep={march.company.rep2.pk}"
    tables = _tables(client.get(f"/dashboards/?{by_rep}").content.decode())
    assert _column(tables["load_reps"], 2) == {"李娜": "3"}
    assert _column(tables["conversion_rep"], 1) == {"李娜": "1"}
    by_team = f"{MARCH_QUERY}&team={march.company.south.pk}"
    tables = _tables(client.get(f"/dashboards/?{by_team}").content.decode())
    assert _column(tables["load_reps"], 2) == {"王芳": "1"}


def test_a_bad_filter_falls_back_to_the_default(march: March) -> None:
    response = _login(march.company.admin).get("/dashboards/?period=ever&team=x&start=nope")
    assert response.status_code == 200
    assert 'value="last_90" selected' in response.content.decode()


def test_the_download_has_every_table(march: March) -> None:
    response = _login(march.company.manager).get(f"/dashboards/figures.xlsx?{MARCH_QUERY}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "fenpei-dashboard-20260301-20260331.xlsx" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    # an overview, then one sheet per table (load has two: reps and teams)
    assert len(book.sheet_names) == 1 + len(CARDS) + 1
    reps = book.get_sheet_by_index(1).to_python()
    assert [row[:3] for row in reps[1:]] == [["张伟", "华东", 3.0], ["李娜", "华东", 3.0]]
    value = book.get_sheet_by_index(3).to_python()
    assert value[1][3] == 800000.0  # yuan as a number, not 80万


# ----------------------------------------------------------------------- demo


def test_the_page_on_the_demo_company(db, django_assert_max_num_queries) -> None:
    from django.contrib.auth.models import User  # noqa: PLC0415

    from fenpei.web.demo import DEMO_PASSWORD, demo_load  # noqa: PLC0415

    demo_load()
    client = Client()
    assert client.login(username="manager", password=DEMO_PASSWORD)
    with django_assert_max_num_queries(40):
        response = client.get("/dashboards/")
    assert response.status_code == 200
    tables = _tables(response.content.decode())
    assert len(tables["load_reps"]) > 5  # header and the team's reps
    assert len(tables["pool"]) == 1 + 90
    admin = User.objects.get(username="admin")
    assert client.login(username=admin.username, password=DEMO_PASSWORD)
    assert client.get("/dashboards/?period=this_year").status_code == 200
