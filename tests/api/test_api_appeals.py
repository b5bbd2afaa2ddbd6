"""/api/v1/appeals/ with the personas: a rep opens (JSON or multipart with a file) and
lists own appeals, the 华东 manager reads the queue and decides, a second decision is a
409, another team's manager a 404, the appellant deciding a 403."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.api.conftest import ApiFor
from tests.conftest import Company

from fenpei.appeals.models import Appeal, AppealStatus
from fenpei.customers.models import Customer

pytestmark = pytest.mark.django_db

URL = "/api/v1/appeals/"


def test_rep_opens_and_manager_approves_over_the_api(
    api_for: ApiFor, company: Company, owned: dict[str, Customer]
) -> None:
    rep = api_for(company.rep_user)
    opened = rep.post(
        URL,
        {"kind": "hand_back", "customer": owned["rep"].pk, "reason": "不在我的行业"},
        format="json",
    )
    assert opened.status_code == 201, opened.content
    body = opened.json()
    assert body["status"] == "open" and body["events"][0]["kind"] == "opened"
    assert [a["id"] for a in rep.get(URL).json()["results"]] == [body["id"]]

    manager = api_for(company.manager)
    queue = manager.get(URL, {"status": "open"}).json()["results"]
    assert [a["id"] for a in queue] == [body["id"]]
    done = manager.post(
        f"{URL}{body['id']}/approve/", {"target": company.rep2.pk, "note": "转李娜"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved" and done.json()["target"]["id"] == company.rep2.pk
    owned["rep"].refresh_from_db()
    assert owned["rep"].owner_id == company.rep2.pk

    again = manager.post(f"{URL}{body['id']}/reject/", {"note": "no"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "decided"


def test_other_team_404_and_appellant_403_over_the_api(
    api_for: ApiFor, company: Company, owned: dict[str, Customer]
) -> None:
    opened = api_for(company.rep_user).post(
        URL, {"kind": "hand_back", "customer": owned["rep"].pk, "reason": "x"}, format="json"
    )
    pk = opened.json()["id"]
    south_manager = api_for(company.other_manager)
    assert south_manager.get(f"{URL}{pk}/").status_code == 404
    assert south_manager.post(f"{URL}{pk}/approve/", {}, format="json").status_code == 404
    assert api_for(company.other_rep_user).get(f"{URL}{pk}/").status_code == 404
    appellant = api_for(company.rep_user)
    assert appellant.post(f"{URL}{pk}/approve/", {}, format="json").status_code == 403
    # another rep's customer by id does not exist for the rep
    refused = appellant.post(
        URL, {"kind": "hand_back", "customer": owned["rep2"].pk, "reason": "x"}, format="json"
    )
    assert refused.status_code == 404
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_claim_with_attachment_by_multipart_and_withdraw(
    api_for: ApiFor, company: Company, owned: dict[str, Customer]
) -> None:
    rep = api_for(company.rep_user)
    upload = SimpleUploadedFile("名片.png", b"\x89PNG fake", content_type="image/png")
    opened = rep.post(
        URL,
        {
            "kind": "claim",
            "customer_ref": owned["rep2"].key,
            "reason": "我先拜访",
            "attachment": upload,
        },
        format="multipart",
    )
    assert opened.status_code == 201, opened.content
    pk = opened.json()["id"]
    assert opened.json()["attachment"] == "名片.png"
    assert Appeal.objects.get(pk=pk).customer_id == owned["rep2"].pk
    download = api_for(company.manager).get(f"{URL}{pk}/attachment/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == b"\x89PNG fake"  # type: ignore[attr-defined]
    assert api_for(company.other_rep_user).get(f"{URL}{pk}/attachment/").status_code == 404
    withdrawn = rep.post(f"{URL}{pk}/withdraw/", {}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    missing = rep.post(URL, {"kind": "claim", "reason": "x"}, format="json")
    assert missing.status_code == 400 and "customer" in missing.json()["fields"]
