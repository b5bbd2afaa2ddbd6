"""Import pages (导入): upload, preview, confirm, discard, error report — per persona."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from fenpei.customers.import_services import import_upload
from fenpei.customers.models import Customer, ImportBatch, ImportStatus
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Team

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(user, lang: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if lang:
        client.cookies["django_language"] = lang
    return client


def _file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (EXAMPLES / name).read_bytes()
    return SimpleUploadedFile(name, data)


def _batch(user, name: str = "messy.xlsx", **options) -> ImportBatch:
    data = (EXAMPLES / name).read_bytes()
    return import_upload(viewer_of(user), file_name=name, data=data, **options)


def test_manager_uploads_previews_and_confirms(company):
    client = _client(company.manager, "en")
    page = client.get(reverse("imports:upload"))
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(
        reverse("imports:upload"),
        {"file": _file("messy.xlsx"), "team": company.east.pk, "with_reps": ""},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:preview", args=[batch.pk])
    html = client.get(response["Location"]).content.decode()
    # The header mapping, the figures, and the bad cells with their rows.
    assert "潜在价值（万元）" in html and "potential value" in html and "备注" in html
    assert 'id="figure-new">17<' in html
    assert '<td class="num">14</td><td>潜在价值（万元）</td><td>-20</td>' in html
    assert "amount must not be negative" in html  # the reader's words, in English
    assert "Confirm import" in html and not Customer.objects.exists()

    response = client.post(reverse("imports:confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Customer.objects.filter(team=company.east).count() == 17
    result = client.get(response["Location"]).content.decode()
    assert "New customers: 17" in result  # the message
    assert "Confirm import" not in result
    assert "上海张江微电子股份有限公司" in result  # listed among conflicts (撞单)


def test_preview_words_the_bad_cells_in_the_viewers_language(company):
    batch = _batch(company.manager)
    zh = _client(company.manager).get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert "金额不能为负" in zh
    en = _client(company.manager, "en").get(reverse("imports:preview", args=[batch.pk]))
    assert "amount must not be negative" in en.content.decode()


def test_importing_the_same_file_again_finds_every_customer(company):
    client = _client(company.manager, "en")
    for _ in range(2):
        client.post(
            reverse("imports:upload"), {"file": _file("messy.xlsx"), "team": company.east.pk}
        )
        batch = ImportBatch.objects.order_by("-pk").first()
        client.post(reverse("imports:confirm", args=[batch.pk]))
    assert Customer.objects.count() == 17
    batch.refresh_from_db()
    assert batch.summary["new"] == 0 and batch.summary["unchanged"] == 17


def test_error_report_downloads_as_xlsx(company):
    batch = _batch(company.manager)
    response = _client(company.manager, "en").get(reverse("imports:errors", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert rows[0] == ["Sheet", "Row", "Column", "Value", "Problem"]
    cells = {(r[1], r[2]): r for r in rows[1:]}
    assert len(rows) - 1 == batch.summary["bad_cells"]
    assert cells[(14.0, "潜在价值（万元）")][3:] == ["-20", "amount must not be negative"]
    assert cells[(18.0, "邮箱")][3] == "not-an-email"
    assert any(r[0] == "销售人员" for r in rows[1:])  # the rep sheet's bad cells too


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(company):
    client = _client(company.manager, "en")
    response = client.post(
        reverse("imports:upload"),
        {"file": _file("customers.xlsx", b"hello, this is text"), "team": company.east.pk},
    )
    assert response.status_code == 200
    assert "could not be read as a customer list" in response.content.decode()
    response = client.post(
        reverse("imports:upload"),
        {"file": _file("notes.pdf", b"%PDF-1.4"), "team": company.east.pk},
    )
    assert "Upload an Excel workbook" in response.content.decode()
    assert not ImportBatch.objects.exists() and not Customer.objects.exists()


def test_discard_writes_nothing(company):
    batch = _batch(company.manager)
    client = _client(company.manager)
    response = client.post(reverse("imports:discard", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    client.post(reverse("imports:confirm", args=[batch.pk]))
    assert not Customer.objects.exists()


@pytest.mark.parametrize("persona", ["rep_user", "other_rep_user", "outsider"])
def test_reps_and_outsiders_get_403(company, persona):
    batch = _batch(company.manager)
    client = _client(getattr(company, persona))
    assert client.get(reverse("imports:upload")).status_code == 403
    assert client.post(reverse("imports:upload"), {"file": _file("messy.xlsx")}).status_code == 403
    for name in ("preview", "errors"):
        assert client.get(reverse(f"imports:{name}", args=[batch.pk])).status_code == 403
    for name in ("confirm", "discard"):
        assert client.post(reverse(f"imports:{name}", args=[batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW and not Customer.objects.exists()


def test_anonymous_is_sent_to_login(company):
    response = Client().get(reverse("imports:upload"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_manager_cannot_open_another_managers_import(company):
    batch = _batch(company.manager)
    client = _client(company.other_manager)
    for name in ("preview", "errors"):
        assert client.get(reverse(f"imports:{name}", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:confirm", args=[batch.pk])).status_code == 404
    assert not Customer.objects.exists()
    # The admin sees it.
    assert (
        _client(company.admin).get(reverse("imports:preview", args=[batch.pk])).status_code == 200
    )


def test_recent_imports_are_scoped(company):
    mine = _batch(company.manager)
    theirs = _batch(company.other_manager, "messy_gbk.csv")
    html = _client(company.manager).get(reverse("imports:upload")).content.decode()
    assert reverse("imports:preview", args=[mine.pk]) in html
    assert reverse("imports:preview", args=[theirs.pk]) not in html
    admin_html = _client(company.admin).get(reverse("imports:upload")).content.decode()
    assert reverse("imports:preview", args=[theirs.pk]) in admin_html


def test_manager_cannot_pick_another_managers_team(company):
    response = _client(company.manager, "en").post(
        reverse("imports:upload"), {"file": _file("messy.xlsx"), "team": company.south.pk}
    )
    assert response.status_code == 200 and not ImportBatch.objects.exists()


def test_confirm_failure_shows_the_error_and_writes_nothing(company):
    batch = _batch(company.manager)
    client = _client(company.manager, "en")
    client.post(reverse("imports:confirm", args=[batch.pk]))
    again = client.post(reverse("imports:confirm", args=[batch.pk]), follow=True)
    assert "already confirmed or discarded" in again.content.decode()
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


def test_a_failing_confirm_says_so_and_writes_nothing(company):
    batch = _batch(company.manager)  # its reps sheet gives M002 and M018 an owner
    _refuse_assignments()  # the database refuses the owners' assignments
    response = _client(company.manager, "en").post(
        reverse("imports:confirm", args=[batch.pk]), follow=True
    )
    html = response.content.decode()
    assert "The import failed and nothing was written" in html and "refused" in html
    assert "Confirm import" in html  # still a preview: it can be confirmed again
    assert not Customer.objects.exists() and not Team.objects.filter(name="华北").exists()
