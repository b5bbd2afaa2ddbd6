"""Real-time routing of a new customer, duplicates (409 in the API) and capacity."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from tests.conftest import make_customer

from fenpei.allocation import routing
from fenpei.allocation.models import Assignment, AssignmentSource, Run, RunStatus
from fenpei.allocation.routing import (
    DuplicateCustomer,
    customer_create,
    customer_route,
    duplicate_holder,
    duplicate_message,
)
from fenpei.allocation.selectors import policy_current
from fenpei.allocation.services import customers_assign, run_apply, run_create
from fenpei.customers.models import Customer, ImportBatch
from fenpei.customers.services import customer_derive, customers_rescore
from fenpei.teams.access import viewer_of
from fenpei.teams.models import Rep

pytestmark = pytest.mark.django_db

HUATONG = {
    "name": "上海华通科技有限公司",
    "region": "上海",
    "city": "上海",
    "industry": "制造业",
    "potential_value": "500000",
    "intent": 3,
    "phone": "+86 138-0013-8000",
    "credit_code": "",
}


def test_new_customer_gets_the_marginally_best_rep_with_reasons(company):
    routed = customer_create(viewer_of(company.manager), HUATONG)
    assert routed.routed and routed.rep == company.rep  # industry + senior for tier A
    customer = Customer.objects.get(pk=routed.customer.pk)
    assert customer.owner == company.rep and customer.team == company.east
    assert customer.tier == "A" and customer.phone_key == "13800138000"
    current = Assignment.objects.get(customer=customer, ended_at__isnull=True)
    assert current.source == AssignmentSource.ROUTE
    assert [r.get("kind") for r in routed.reasons][:3] == ["eligible", "priority", "fit"]


def test_balance_sends_the_next_customer_to_the_emptier_rep(company):
    # rep (E01) already holds 19 of 20: the balance cost λ·19/20 outweighs his fit bonus.
    manager = viewer_of(company.manager)
    for i in range(19):
        customer_create(manager, {"name": f"上海填充{i}号有限公司", "region": "江苏"}, route=False)
    filler = list(Customer.objects.filter(owner__isnull=True).values_list("pk", flat=True))
    customers_assign(manager, filler, company.rep.pk)
    routed = customer_create(
        manager, {"name": "上海浦江贸易有限公司", "region": "上海", "industry": "零售"}
    )
    assert routed.rep == company.rep2


def test_a_full_rep_is_never_chosen(company):
    Rep.objects.filter(pk=company.rep2.pk).update(capacity=0)
    Rep.objects.filter(pk=company.rep.pk).update(capacity=0)
    routed = customer_create(viewer_of(company.manager), HUATONG)
    assert routed.rep is None and routed.reasons[0]["code"] in ("capacity_used", "all_unavailable")
    assert Customer.objects.get(pk=routed.customer.pk).owner is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "上海华通科技（有限公司）"}, "name"),
        ({"name": "华通新公司", "phone": "13800138000"}, "phone"),
    ],
)
def test_an_existing_customer_is_named_not_duplicated(company, change, field):
    manager = viewer_of(company.manager)
    first = customer_create(manager, HUATONG).customer
    with pytest.raises(DuplicateCustomer) as raised:
        customer_create(manager, {**HUATONG, **change})
    assert raised.value.existing == first and raised.value.field == field
    assert Customer.objects.count() == 1


def test_same_credit_code_is_a_duplicate(company):
    make_customer("北京某某有限公司", credit_code="91350100M000100Y43")
    with pytest.raises(DuplicateCustomer) as raised:
        customer_create(
            viewer_of(company.manager), {**HUATONG, "credit_code": "91350100M000100Y43"}
        )
    assert raised.value.field == "credit_code"


def test_policy_can_turn_routing_off_and_a_manager_can_route_later(company):
    manager = viewer_of(company.manager)
    routed = customer_create(manager, HUATONG, route=False)
    assert not routed.routed and Customer.objects.get().owner is None
    later = customer_route(manager, routed.customer.pk)
    assert later.rep == company.rep


def test_an_outsider_cannot_create(company):
    with pytest.raises(PermissionDenied):
        customer_create(viewer_of(company.outsider), HUATONG)
    assert not Customer.objects.exists()


def test_a_reps_new_customer_is_their_own_lead(company):
    # Even with routing on, a rep's own find stays theirs (自拓客户), not the "best" rep's.
    routed = customer_create(viewer_of(company.rep_user), HUATONG)
    customer = Customer.objects.get(pk=routed.customer.pk)
    assert customer.owner == company.rep and customer.team == company.east
    current = Assignment.objects.get(customer=customer, ended_at__isnull=True)
    assert current.source == AssignmentSource.MANUAL and current.reasons == [{"kind": "own_lead"}]


def test_a_rep_at_capacity_cannot_add_a_lead(company):
    Rep.objects.filter(pk=company.rep.pk).update(capacity=1)
    rep = viewer_of(company.rep_user)
    customer_create(rep, HUATONG)
    with pytest.raises(ValidationError) as raised:
        customer_create(rep, {**HUATONG, "name": "杭州新客户有限公司", "phone": ""})
    assert raised.value.code == "over_capacity"
    assert Customer.objects.count() == 1


def test_a_rep_cannot_put_a_lead_in_another_team(company):
    with pytest.raises(ValidationError) as raised:
        customer_create(viewer_of(company.rep_user), {**HUATONG, "team": company.south.pk})
    assert "team" in raised.value.message_dict
    assert not Customer.objects.exists()


def test_a_rep_adding_a_colleagues_customer_is_told_who_holds_it(company):
    taken = make_customer("上海华通科技有限公司", team=company.south, owner=company.other_rep)
    with pytest.raises(DuplicateCustomer) as raised:
        customer_create(viewer_of(company.rep_user), HUATONG)
    assert raised.value.existing == taken
    holder = duplicate_holder(raised.value.existing)
    assert holder == {"team": "华南", "owner": company.other_rep.name}
    assert company.other_rep.name in duplicate_message("名称", holder)
    assert Customer.objects.count() == 1


def test_a_rep_slot_taken_meanwhile_sends_the_customer_to_the_next_best(company):
    # The engine decides on loads read without locks; the chosen rep's load is counted
    # again under its lock. Simulate a concurrent routing that filled rep (E01) after the
    # loads were read: the retry must pick rep2, never exceed E01's capacity.
    Rep.objects.filter(pk=company.rep.pk).update(capacity=1)
    reps = list(Rep.objects.filter(team=company.east).select_related("team").order_by("pk"))
    stale = {r.pk: 0 for r in reps}
    make_customer("并发抢先有限公司", team=company.east, owner=company.rep)
    customer = Customer(**{**HUATONG, "team": company.east})
    customer_derive(customer)
    customers_rescore([customer], policy_current(), timezone.localdate())
    with transaction.atomic():
        rep, reasons = routing._choose_and_lock_with_loads(customer, reps, stale, policy_current())
    assert rep == company.rep2 and reasons


def test_bad_fields_are_named(company):
    with pytest.raises(ValidationError) as raised:
        customer_create(
            viewer_of(company.manager), {"name": "", "potential_value": "lots", "color": "red"}
        )
    assert {"color"} <= set(raised.value.message_dict)
    with pytest.raises(ValidationError) as raised:
        customer_create(viewer_of(company.manager), {"name": "", "potential_value": "lots"})
    assert {"name", "potential_value"} <= set(raised.value.message_dict)
    assert not Customer.objects.exists()


def test_manual_assignment_over_capacity_is_refused(company, customers):
    Rep.objects.filter(pk=company.rep2.pk).update(capacity=1)
    manager = viewer_of(company.manager)
    with pytest.raises(ValidationError, match="李娜"):
        customers_assign(manager, [customers[0].pk, customers[1].pk], company.rep2.pk)
    assert not Assignment.objects.exists()


def test_apply_rechecks_capacity_taken_since_the_preview(company, customers):
    manager = viewer_of(company.manager)
    run = run_create(manager, scope="unassigned")
    assert run.items.filter(rep=company.rep2).exists()
    # meanwhile rep2 fills up with new customers routed to him by hand
    load = run.items.filter(rep=company.rep2).count()
    Rep.objects.filter(pk=company.rep2.pk).update(capacity=load)
    extra = make_customer("杭州新到客户有限公司", region="浙江")
    customers_assign(manager, [extra.pk], company.rep2.pk)
    with pytest.raises(ValidationError, match="李娜"):
        run_apply(manager, run.pk)
    assert Assignment.objects.filter(source="run").count() == 0


def test_new_customer_form_routes_and_names_a_duplicate(client, company):
    client.force_login(company.manager)
    form = {
        "name": "上海华通科技有限公司",
        "region": "上海",
        "city": "上海",
        "industry": "制造业",
        "potential_value": "500000",
        "intent": "3",
        "deal_count": "0",
        "deal_amount": "0",
        "stage": "lead",
    }
    response = client.post("/customers/new/", form)
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == company.rep
    page = client.get(response["Location"]).content.decode()
    assert "张伟" in page and "立即" in page  # "given to 张伟 at once", in Chinese
    again = client.post("/customers/new/", {**form, "name": "上海华通科技（有限公司）"})
    assert again.status_code == 200 and Customer.objects.count() == 1
    assert f'href="/customers/{customer.pk}/" id="existing-customer"' in again.content.decode()


LEAD_FORM = {
    "name": "上海华通科技有限公司",
    "region": "上海",
    "intent": "3",
    "deal_count": "0",
    "deal_amount": "0",
    "potential_value": "0",
    "stage": "lead",
}


def test_rep_adds_own_lead_with_the_form(client, company):
    client.force_login(company.rep_user)
    assert 'id="new-own-lead"' in client.get("/mine/").content.decode()
    response = client.post("/customers/new/", LEAD_FORM)
    customer = Customer.objects.get()
    assert response.status_code == 302 and customer.owner == company.rep


def test_rep_form_names_the_colleague_who_holds_a_duplicate(client, company):
    make_customer("上海华通科技有限公司", team=company.south, owner=company.other_rep)
    client.force_login(company.rep_user)
    page = client.post("/customers/new/", LEAD_FORM).content.decode()
    assert "华南" in page and company.other_rep.name in page  # team and owner, 撞单
    assert 'id="existing-customer"' not in page  # but no link to a record they can't open
    assert Customer.objects.count() == 1


def test_new_customer_form_is_closed_to_outsiders(client, company):
    client.force_login(company.outsider)
    assert client.get("/customers/new/").status_code == 403
    assert client.post("/customers/new/", {"name": "x"}).status_code == 403
    assert not Customer.objects.exists()


def test_imported_customers_without_owner_are_routed_at_once(client, company):
    from fenpei.allocation.policy_services import policy_version_create  # noqa: PLC0415
    from fenpei.engine import DEFAULT_POLICY_TOML  # noqa: PLC0415

    toml = DEFAULT_POLICY_TOML.replace("route_imports = false", "route_imports = true")
    policy_version_create(viewer_of(company.admin), toml, "route imports")
    examples = Path(__file__).resolve().parents[2] / "examples"
    client.force_login(company.manager)
    upload = SimpleUploadedFile("messy.xlsx", (examples / "messy.xlsx").read_bytes())
    client.post("/imports/", {"file": upload, "team": company.east.pk, "with_reps": ""})
    batch = ImportBatch.objects.get()
    response = client.post(f"/imports/{batch.pk}/confirm/")
    run = Run.objects.get()
    assert run.status == RunStatus.APPLIED and run.scope == "selection"
    routed = Assignment.objects.filter(run=run, source=AssignmentSource.RUN)
    assert routed.count() == run.summary["assigned"] > 0
    # only this import's new customers were in the run
    assert set(run.selection) <= set(Customer.objects.values_list("pk", flat=True))
    page = client.get(response["Location"]).content.decode()
    assert f"#{run.pk}" in page
