"""The review page and its download: who may see what, and the workbook read back."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from python_calamine import CalamineWorkbook
from tests.conftest import PASSWORD, Company
from tests.reviews.review_setup import october

pytestmark = pytest.mark.django_db

OCT = {"period": "month", "month": "2026-10"}


def _client(user: object) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize("who", ["rep_user", "outsider"])
def test_reps_and_outsiders_are_refused(company: Company, who: str) -> None:
    client = _client(getattr(company, who))
    assert client.get("/reviews/").status_code == 403
    assert client.get("/reviews/review.xlsx").status_code == 403
    assert client.post("/reviews/schedule/", {"frequency": "monthly"}).status_code == 403


def test_anonymous_goes_to_login(company: Company) -> None:
    response = Client().get("/reviews/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_manager_cannot_review_another_team(company: Company) -> None:
    october(company)
    client = _client(company.manager)
    south = {**OCT, "team": company.south.pk}
    assert client.get("/reviews/", south).status_code == 404
    assert client.get("/reviews/review.xlsx", south).status_code == 404
    # all my teams: 华东 only, none of 华南's rows
    page = client.get("/reviews/", OCT).content.decode()
    assert "丙公司" in page and "己公司" not in page and "王芳" not in page


def test_the_manager_sees_the_five_sections(company: Company) -> None:
    october(company)
    response = _client(company.manager).get("/reviews/", {**OCT, "team": company.east.pk})
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("changes", "fairness", "goals", "results", "suggestions", "schedule"):
        assert f'id="review-{section}"' in page
    assert "乙公司" in page and f"/runs/rebalance/?team={company.east.pk}" in page
    review = response.context["review"]
    assert (review.start.isoformat(), review.end.isoformat()) == ("2026-10-01", "2026-10-31")


def test_quarter_and_default_periods(company: Company) -> None:
    client = _client(company.manager)
    quarter = client.get("/reviews/", {"period": "quarter", "month": "2026-11"}).context["review"]
    assert (quarter.start.isoformat(), quarter.end.isoformat()) == ("2026-10-01", "2026-12-31")
    default = client.get("/reviews/").context["query"].period
    assert default.kind == "month" and default.start.day == 1
    assert default.end < date.today() <= default.end + timedelta(days=31)


def test_admin_reviews_any_team_and_the_company(company: Company) -> None:
    october(company)
    client = _client(company.admin)
    assert client.get("/reviews/", {**OCT, "team": company.south.pk}).status_code == 200
    company_wide = client.get("/reviews/", OCT).context["review"]
    assert company_wide.scope.company and company_wide.changes.arrivals == 3


def _sheets(data: bytes) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_workbook_has_a_sheet_per_section_with_the_figures(company: Company) -> None:
    october(company)
    client = _client(company.manager)
    client.post("/i18n/setlang/", {"language": "en"})
    response = client.get("/reviews/review.xlsx", {**OCT, "team": company.east.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="review-2026-10-{company.east.pk}.xlsx"'
    )
    sheets = _sheets(response.content)
    assert list(sheets) == [
        "Summary",
        "Changes",
        "New customers",
        "Appeals",
        "Fairness",
        "Goals",
        "Results",
        "Suggestions",
    ]
    summary = {row[0]: row[1] for row in sheets["Summary"][1:]}
    assert summary["New customers"] == 2 and summary["Reclaimed to the pool"] == 1
    assert summary["Load Gini at the end"] == pytest.approx(0.1)
    changes = sheets["Changes"]
    assert changes[0][:4] == ["Time", "What", "Customer no.", "Customer"]
    assert [row[3] for row in changes[1:]] == ["庚公司", "丁公司", "戊公司", "乙公司", "丙公司"]
    results = sheets["Results"]
    total = results[-1]
    assert total[1] == "Total" and total[3:8] == [4, 4, 2, 1, 110_000]
    fairness = {row[0]: row for row in sheets["Fairness"][1:]}
    assert fairness["E02"][5:9] == [1, 3, 80_000, 360_000]


def test_the_workbook_is_in_chinese_by_default(company: Company) -> None:
    october(company)
    response = _client(company.manager).get("/reviews/review.xlsx", OCT)
    changes = list(_sheets(response.content).values())[1]
    with translation.override("zh-hans"):
        expected = gettext("Customer no.")
    assert expected != "Customer no."
    assert changes[0][2] == expected
