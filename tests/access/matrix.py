"""The access matrix as data: one row per route, method and object, with the outcome
expected for every role of `world.ROLES`.

Reading an outcome:
- `200`, `302`, `403` … the status code. For an anonymous page request, `302` means a
  redirect to the login page (checked).
- a trailing `+`: the request is allowed and changes something (the payload is valid:
  proof that the `=` of the other roles would see a change if one slipped through).
- a trailing `=`: whatever the status, nothing may change (a refusal told as a message on
  a redirect, a form shown again with an error …). 401, 403, 404 and an anonymous `302`
  always mean `=`.

The objects are seen from rep E01 of 华东 ("rep"): `e01` is their own customer (or
appeal, feedback …), the colleague E02 of the same team sees it as a colleague's, the
other team's rep S01 and manager as another team's. Pool objects name their pool.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from tests.access.world import (
    E02_TARGET,
    ROLES,
    S01_CUSTOMER,
    S01_PHONE,
    S01_TARGET,
    S02_CUSTOMER,
    World,
)

from fenpei.customers.forms import CustomerForm

Factory = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    route: str
    expect: dict[str, str]
    method: str = "GET"
    obj: str = "-"  # which object, for the test id and the reviewer
    kwargs: Factory | None = None
    query: Factory | None = None
    data: Factory | None = None
    htmx: bool = False  # sent as an htmx request (the fragment, not the page)
    #: per role, texts the response may show although the role may not see their holder
    #: (each use says why)
    allow: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.route.startswith("api:") and self.route not in {"api:docs"}

    @property
    def id(self) -> str:
        return f"{self.route}|{self.method}|{self.obj}" + ("|htmx" if self.htmx else "")


# ------------------------------------------------------------------------ outcomes


def expect(base: dict[str, str], **overrides: str | int) -> dict[str, str]:
    out = dict(base)
    for role, outcome in overrides.items():
        assert role in ROLES, role
        out[role] = str(outcome)
    return out


def _all(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


PUBLIC = _all("200")
#: any role (admin, manager, rep); outsiders refused
MEMBERS = expect(_all("200"), anon=302, outsider=403)
#: admins and managers of any team; reps and outsiders refused
MANAGERS = expect(MEMBERS, rep=403, colleague=403, other_rep=403)
#: a 华东 object for managers: the other team's manager does not find it
EAST_MANAGED = expect(MANAGERS, other_manager=404)
#: a 华东 object of E01 that E01 sees too; nobody else in or out of the team finds it
E01_SEES = expect(EAST_MANAGED, outsider=404, rep=200, colleague=404, other_rep=404)

API_MEMBERS = expect(MEMBERS, anon=401)
API_MANAGERS = expect(MANAGERS, anon=401)
API_EAST_MANAGED = expect(EAST_MANAGED, anon=401)
API_E01_SEES = expect(E01_SEES, anon=401, outsider=403)


def w_allowed(base: dict[str, str], code: int, *roles: str) -> dict[str, str]:
    """`base` with the given roles allowed to change something, answering `code`."""
    return expect(base, **{role: f"{code}+" for role in roles})


# ------------------------------------------------------------------------ factories


def pk(kind: str, key: str, name: str = "pk") -> Factory:
    def make(w: World) -> dict[str, Any]:
        return {name: getattr(w, kind)[key].pk}

    return make


def rep_pk(key: str, name: str = "pk") -> Factory:
    return lambda w: {name: w.reps[key].pk}


def const(**values: Any) -> Factory:
    return lambda w: dict(values)


def _customer_edit(w: World) -> dict[str, Any]:
    form = CustomerForm(instance=w.customers["e01"])
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["contact"] = "矩阵联系人"
    return data


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _month() -> str:
    return timezone.localdate().replace(day=1).isoformat()


CSV = "客户名称,客户编号,地区\n矩阵上传客户,MX-UP,上海\n".encode()


def _upload(w: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return {
        "file": SimpleUploadedFile("m.csv", CSV, content_type="text/csv"),
        "team": w.east.pk,
        "with_reps": "",
    }


def _rep_form(w: World) -> dict[str, Any]:
    return {
        "key": "E09",
        "name": "矩阵新销售",
        "team": w.east.pk,
        "level": 2,
        "status": "active",
        "regions": "上海",
        "industries": "制造业",
        "capacity": 10,
    }


def _policy_toml(w: World) -> dict[str, Any]:
    toml = w.policy.toml.replace("claims_per_day = 10", "claims_per_day = 11", 1)
    assert toml != w.policy.toml
    return {"toml": toml, "note": "矩阵"}


# ------------------------------------------------------------------------ the matrix

#: A claim may name a customer the rep cannot open, by its no., name, credit code or phone
#: (appeals.services._customer_for; 撞单 between teams is what appeals settle). The
#: appeal then shows the claimant and their manager the customer's name and holder, by
#: design (appeals/detail.html prints the name when `customer_visible` is false).
CROSS_CLAIM: dict[str, tuple[str, ...]] = {
    "rep": (S02_CUSTOMER, "赵敏"),
    "manager": (S02_CUSTOMER, "赵敏"),
    "other_manager": ("张伟",),  # who claims, for the manager who decides
}
CROSS_CLAIM_S01: dict[str, tuple[str, ...]] = {
    "rep": (S01_CUSTOMER,),
    "colleague": (S01_CUSTOMER,),
}

ROWS: list[Row] = [
    # --- public and session pages
    Row("health", PUBLIC),
    Row("healthz", PUBLIC),
    Row("help", PUBLIC),
    Row("login", PUBLIC),
    # managers go to the table, reps to their customers; an outsider is told no access
    Row("home", expect(_all("302"), outsider=403)),
    Row("logout", _all("302="), "POST"),
    Row("set_language", _all("302="), "POST", data=const(language="en", next="/help/")),
    Row("account:tokens", expect(_all("200"), anon=302)),
    Row("account:tokens", expect(_all("302+"), anon=302), "POST", data=const(action="issue")),
    # --- customers
    Row("customers:table", MEMBERS),
    Row("customers:table", MEMBERS, obj="?team=华南", query=lambda w: {"team": w.south.pk}),
    Row("customers:table", MEMBERS, obj="?owner=S01", query=lambda w: {"owner": w.reps["S01"].pk}),
    Row("customers:table", MEMBERS, obj="?q=华南", query=const(q="华南")),
    Row("customers:table", MEMBERS, obj="?q=华南", query=const(q="华南"), htmx=True),
    Row("customers:table", MEMBERS, obj="?owner=pool", query=const(owner="pool"), htmx=True),
    Row("customers:export", MANAGERS),
    Row("customers:export", MANAGERS, obj="?team=华南", query=lambda w: {"team": w.south.pk}),
    Row("customers:bulk_reps", MANAGERS),
    Row(
        "customers:bulk",
        w_allowed(expect(MANAGERS, other_manager="302="), 302, "admin", "manager"),
        "POST",
        "e01→E02",
        data=lambda w: {
            "action": "assign",
            "ids": [w.customers["e01"].pk],
            "rep": w.reps["E02"].pk,
        },
    ),
    Row(
        "customers:bulk",
        w_allowed(expect(MANAGERS, manager="302=", other_manager="302="), 302, "admin"),
        "POST",
        "pool_east→S01",
        data=lambda w: {
            "action": "assign",
            "ids": [w.customers["pool_east"].pk],
            "rep": w.reps["S01"].pk,
        },
    ),
    Row(
        "customers:bulk",
        w_allowed(expect(MANAGERS, other_manager="302="), 302, "admin", "manager"),
        "POST",
        "release e01",
        data=lambda w: {"action": "release", "ids": [w.customers["e01"].pk], "note": "矩阵"},
    ),
    Row(
        "customers:bulk",
        w_allowed(expect(MANAGERS, other_manager="302="), 302, "admin", "manager"),
        "POST",
        "run of e01",
        data=lambda w: {"action": "run", "ids": [w.customers["e01"].pk]},
    ),
    Row("customers:new", expect(MEMBERS)),
    Row(
        "customers:new",
        w_allowed(
            MEMBERS, 302, "admin", "manager", "other_manager", "rep", "colleague", "other_rep"
        ),
        "POST",
        data=const(
            name="矩阵新客户",
            region="上海",
            industry="制造业",
            intent=1,
            potential_value=1000,
            deal_count=0,
            deal_amount=0,
            stage="lead",
        ),
    ),
    # 撞单: a new lead with S01's phone is refused naming the holder's team and rep (by
    # design, as a colleague would say it), never the record itself
    Row(
        "customers:new",
        expect(
            MEMBERS,
            admin="200=",
            manager="200=",
            other_manager="200=",
            rep="200=",
            colleague="200=",
            other_rep="200=",
        ),
        "POST",
        "phone of s01",
        data=const(
            name="矩阵撞单客户",
            region="上海",
            industry="制造业",
            intent=1,
            phone=S01_PHONE,
            potential_value=1000,
            deal_count=0,
            deal_amount=0,
            stage="lead",
        ),
        allow=dict.fromkeys(ROLES, ("王芳", "保密华南区")),
    ),
    Row("customers:detail", E01_SEES, obj="e01", kwargs=pk("customers", "e01")),
    Row(
        "customers:detail",
        expect(E01_SEES, manager=404, other_manager=200, rep=404, other_rep=200),
        obj="pool_south",
        kwargs=pk("customers", "pool_south"),
    ),
    Row(
        "customers:detail",
        expect(E01_SEES, colleague=200),
        obj="pool_east",
        kwargs=pk("customers", "pool_east"),
    ),
    Row(
        "customers:detail",
        expect(MEMBERS, outsider=404),
        obj="pool_unrouted",
        kwargs=pk("customers", "pool_unrouted"),
    ),
    Row("customers:edit", EAST_MANAGED, obj="e01", kwargs=pk("customers", "e01")),
    Row(
        "customers:edit",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "e01",
        kwargs=pk("customers", "e01"),
        data=_customer_edit,
    ),
    Row("customers:reasons", E01_SEES, obj="e01", kwargs=pk("customers", "e01")),
    Row("customers:reasons", E01_SEES, obj="e01", kwargs=pk("customers", "e01"), htmx=True),
    Row(
        "customers:mine",
        expect(E01_SEES, outsider=404, admin=404, manager=404, colleague=200, other_rep=200),
    ),
    # --- imports and conflicts
    Row("imports:upload", MANAGERS),
    Row(
        "imports:upload",
        w_allowed(expect(MANAGERS, other_manager="200="), 302, "admin", "manager"),
        "POST",
        data=_upload,
    ),
    Row("imports:preview", EAST_MANAGED, obj="east", kwargs=pk("imports", "east")),
    Row(
        "imports:confirm",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("imports", "east"),
    ),
    Row(
        "imports:discard",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("imports", "east"),
    ),
    Row("imports:errors", EAST_MANAGED, obj="east", kwargs=pk("imports", "east")),
    # a group across teams names the other team's record only by its holder (team, rep)
    Row("conflicts:list", MANAGERS, allow={"manager": ("赵敏",), "other_manager": ("李娜",)}),
    Row(
        "conflicts:merge",
        w_allowed(expect(EAST_MANAGED), 302, "admin", "manager"),
        "POST",
        "e01←pool_east",
        data=lambda w: {
            "survivor": w.customers["e01"].pk,
            "duplicates": [w.customers["pool_east"].pk],
            "reason": "矩阵",
        },
    ),
    # --- reps and teams
    Row("teams:reps", MEMBERS),
    Row("teams:reps", expect(MEMBERS), obj="?team=华南", query=lambda w: {"team": w.south.pk}),
    Row("teams:rep", expect(E01_SEES, outsider=403), obj="E01", kwargs=rep_pk("E01")),
    Row("teams:rep_new", MANAGERS),
    Row(
        "teams:rep_new",
        w_allowed(expect(MANAGERS, other_manager="200="), 302, "admin", "manager"),
        "POST",
        data=_rep_form,
    ),
    Row("teams:rep_edit", EAST_MANAGED, obj="E01", kwargs=rep_pk("E01")),
    Row(
        "teams:rep_edit",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "E01",
        kwargs=rep_pk("E01"),
        data=lambda w: {**_rep_form(w), "key": "E01", "name": "张伟", "capacity": 33},
    ),
    # moving a rep into another manager's team: not a team the manager may choose
    Row(
        "teams:rep_edit",
        w_allowed(expect(EAST_MANAGED, manager="200="), 302, "admin"),
        "POST",
        "E01 → 华南",
        kwargs=rep_pk("E01"),
        data=lambda w: {**_rep_form(w), "key": "E01", "name": "张伟", "team": w.south.pk},
    ),
    Row("teams:teams", MANAGERS),
    Row(
        "teams:teams",
        w_allowed(expect(MANAGERS, manager=403, other_manager=403), 302, "admin"),
        "POST",
        data=const(name="矩阵新团队", region="北京"),
    ),
    Row(
        "teams:team_edit",
        expect(MANAGERS, manager=403, other_manager=403),
        obj="east",
        kwargs=lambda w: {"pk": w.east.pk},
    ),
    Row(
        "teams:team_edit",
        w_allowed(expect(MANAGERS, manager=403, other_manager=403), 302, "admin"),
        "POST",
        "east",
        kwargs=lambda w: {"pk": w.east.pk},
        data=lambda w: {"name": "华东", "region": "江苏", "manager": w.users["manager"].pk},
    ),
    # --- allocation: runs, rebalance, handover
    Row("allocation:runs", MANAGERS),
    Row(
        "allocation:run_new",
        w_allowed(expect(MANAGERS, other_manager="302="), 302, "admin", "manager"),
        "POST",
        "team 华东",
        data=lambda w: {"scope": "team", "team": w.east.pk},
    ),
    Row("allocation:run", EAST_MANAGED, obj="east", kwargs=pk("runs", "east")),
    Row(
        "allocation:run",
        EAST_MANAGED,
        obj="east?fragment=items",
        kwargs=pk("runs", "east"),
        query=const(fragment="items", show="all"),
        htmx=True,
    ),
    Row(
        "allocation:run",
        expect(EAST_MANAGED),
        obj="east_unassigned (no team)",
        kwargs=pk("runs", "east_unassigned"),
    ),
    Row(
        "allocation:run_apply",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east_unassigned (no team)",
        kwargs=pk("runs", "east_unassigned"),
    ),
    Row("allocation:run_progress", EAST_MANAGED, obj="east", kwargs=pk("runs", "east")),
    Row(
        "allocation:run_apply",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("runs", "east"),
    ),
    Row(
        "allocation:run_discard",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("runs", "east"),
    ),
    Row("allocation:rebalance", MANAGERS),
    Row(
        "allocation:rebalance",
        EAST_MANAGED,
        obj="?team=华东",
        query=lambda w: {"team": w.east.pk, "move_cost": 10, "protect_days": 30},
    ),
    Row(
        "allocation:rebalance",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "team 华东",
        data=lambda w: {"team": w.east.pk, "move_cost": 0, "protect_days": 0},
    ),
    Row(
        "allocation:handover",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "E01→E02",
        kwargs=rep_pk("E01"),
        data=lambda w: {"successor": w.reps["E02"].pk},
    ),
    Row(
        "allocation:handover",
        w_allowed(expect(EAST_MANAGED, manager="302="), 302, "admin"),
        "POST",
        "E01→S01",
        kwargs=rep_pk("E01"),
        data=lambda w: {"successor": w.reps["S01"].pk},
    ),
    # --- policy (company-wide: every manager edits it, every member reads it)
    Row("allocation:policy", MEMBERS),
    Row("allocation:policy_rules", MANAGERS, "POST"),  # redraws the rule rows, saves nothing
    Row(
        "allocation:policy_toml",
        w_allowed(MANAGERS, 302, "admin", "manager", "other_manager"),
        "POST",
        data=_policy_toml,
    ),
    Row("allocation:policy_download", MEMBERS),
    Row("allocation:policy_history", MEMBERS),
    Row("allocation:policy_version", MEMBERS, obj="v1", kwargs=const(number=1)),
    Row("allocation:policy_version_download", MEMBERS, obj="v1", kwargs=const(number=1)),
    Row(
        "allocation:policy_activate",
        w_allowed(MANAGERS, 302, "admin", "manager", "other_manager"),
        "POST",
        "v2",
        kwargs=const(number=2),
    ),
    Row("allocation:policy_whatif", MANAGERS),
    Row(
        "allocation:policy_whatif",
        MANAGERS,
        "POST",
        "compare, all my teams",
        data=lambda w: {"toml": _policy_toml(w)["toml"], "months": 12},
    ),
    Row(
        "allocation:policy_whatif",
        expect(MANAGERS, other_manager=400),
        "POST",
        "compare, team 华东",
        data=lambda w: {"toml": _policy_toml(w)["toml"], "months": 12, "team": w.east.pk},
    ),
    Row(
        "allocation:policy_whatif",
        w_allowed(MANAGERS, 302, "admin", "manager", "other_manager"),
        "POST",
        "activate",
        data=lambda w: {**_policy_toml(w), "action": "activate"},
    ),
    Row("rules:page", MEMBERS),
    Row("rules:why", expect(E01_SEES, outsider=403), obj="e01", kwargs=pk("customers", "e01")),
    Row(
        "rules:why",
        expect(E01_SEES, outsider=403, colleague=200),
        obj="pool_east",
        kwargs=pk("customers", "pool_east"),
    ),
    Row(
        "rules:why",
        expect(MEMBERS, outsider=403),
        obj="pool_unrouted",
        kwargs=pk("customers", "pool_unrouted"),
    ),
    # --- pool
    Row("pool:page", MEMBERS),
    # managers hold no pool of their own: claiming is for reps (403)
    Row(
        "pool:claim",
        w_allowed(
            expect(E01_SEES, outsider=403, admin=403, manager=403, other_manager=403),
            302,
            "rep",
            "colleague",
        ),
        "POST",
        "pool_east",
        kwargs=pk("customers", "pool_east"),
    ),
    Row(
        "pool:claim",
        w_allowed(
            expect(E01_SEES, outsider=403, admin=403, manager=403, other_manager=403, rep=404),
            302,
            "other_rep",
        ),
        "POST",
        "pool_south",
        kwargs=pk("customers", "pool_south"),
    ),
    # a colleague is told the customer has left the pool (as when losing a race), no more
    Row(
        "pool:claim",
        expect(
            E01_SEES,
            outsider=403,
            admin=403,
            manager=403,
            other_manager=403,
            rep="302=",
            colleague="302=",
        ),
        "POST",
        "e01 (owned)",
        kwargs=pk("customers", "e01"),
    ),
    # the form lists only the ids the manager may see: another team's are left out
    Row(
        "pool:return",
        expect(MANAGERS),
        obj="?ids=e01",
        query=lambda w: {"ids": w.customers["e01"].pk},
    ),
    Row(
        "pool:return",
        w_allowed(expect(MANAGERS, other_manager="200="), 302, "admin", "manager"),
        "POST",
        "e01",
        data=lambda w: {"ids": [w.customers["e01"].pk], "reason": "矩阵"},
    ),
    # --- follow-ups and deals
    Row("followups:due", MEMBERS),
    Row("followups:due", MEMBERS, obj="?rep=S01", query=lambda w: {"rep": w.reps["S01"].pk}),
    Row(
        "followups:log",
        w_allowed(expect(E01_SEES, outsider=404), 302, "admin", "manager", "rep"),
        "POST",
        "e01",
        kwargs=pk("customers", "e01"),
        data=const(channel="phone", note="矩阵跟进", contact_at="2026-01-05 10:00"),
    ),
    Row(
        "followups:deal",
        w_allowed(expect(E01_SEES, outsider=404), 302, "admin", "manager", "rep"),
        "POST",
        "e01",
        kwargs=pk("customers", "e01"),
        data=const(result="won", amount="1000", closed_on=timezone.localdate().isoformat()),
    ),
    # --- goals and feedback
    Row("goals:page", MANAGERS),
    Row(
        "goals:page",
        w_allowed(expect(MANAGERS, other_manager="302="), 302, "admin", "manager"),
        "POST",
        "E01's target",
        # the form sends every target shown; E02's and S01's as they are, so only E01's moves
        data=lambda w: {
            f"rep-{w.reps['E01'].pk}-won_amount": "999",
            f"rep-{w.reps['E02'].pk}-won_amount": E02_TARGET,
            f"rep-{w.reps['S01'].pk}-won_amount": S01_TARGET,
            "period": "month",
            "start": _month(),
        },
    ),
    Row(
        "goals:feedback",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "E01",
        kwargs=rep_pk("E01", "rep_pk"),
        data=const(text="矩阵反馈"),
    ),
    Row(
        "goals:ack",
        w_allowed(expect(E01_SEES, admin=404, manager=404, outsider=404), 302, "rep"),
        "POST",
        "e01",
        kwargs=pk("feedback", "e01"),
    ),
    # --- appeals
    Row("appeals:queue", MANAGERS, allow=CROSS_CLAIM),
    Row(
        "appeals:mine",
        expect(MEMBERS, admin=403, manager=403, other_manager=403),
        allow=CROSS_CLAIM,
    ),
    Row(
        "appeals:new",
        expect(E01_SEES, outsider=403, admin=403, manager=403, other_manager=403),
        obj="?customer=e01",
        query=lambda w: {"customer": w.customers["e01"].pk},
    ),
    Row(
        "appeals:new",
        w_allowed(
            expect(
                E01_SEES, outsider=403, admin=403, manager=403, other_manager=403, colleague=200
            ),
            302,
            "rep",
            "colleague",
        ),
        "POST",
        "claim pool_east",
        data=lambda w: {
            "kind": "claim",
            "customer": w.customers["pool_east"].pk,
            "reason": "矩阵申诉",
        },
    ),
    Row("appeals:detail", expect(E01_SEES), obj="e01", kwargs=pk("appeals", "e01")),
    # a claim naming another team's customer by its no.: refused, and the form says no more
    Row(
        "appeals:new",
        expect(
            E01_SEES,
            outsider=403,
            admin=403,
            manager=403,
            other_manager=403,
            rep="302+",
            colleague="302+",
            other_rep="200=",
        ),
        "POST",
        "claim AC-S01 by no.",
        data=const(kind="claim", customer_ref="AC-S01", reason="矩阵申诉"),
    ),
    Row(
        "appeals:detail",
        expect(E01_SEES, manager=200, other_manager=200),
        obj="claim_s02",
        kwargs=pk("appeals", "claim_s02"),
        allow=CROSS_CLAIM,
    ),
    Row("appeals:attachment", expect(E01_SEES), obj="e01", kwargs=pk("appeals", "e01")),
    Row(
        "appeals:approve",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
        data=const(note="矩阵"),
    ),
    # a manager may give the customer handed back to a rep of their team only; an admin
    # may give it to anyone
    Row(
        "appeals:approve",
        expect(EAST_MANAGED, admin="302+", manager="400="),
        "POST",
        "e01 → S01",
        kwargs=pk("appeals", "e01"),
        data=lambda w: {"target": w.reps["S01"].pk, "note": "矩阵"},
    ),
    Row(
        "appeals:reject",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
        data=const(note="矩阵驳回"),
    ),
    Row(
        "appeals:withdraw",
        w_allowed(
            expect(E01_SEES, outsider=403, admin=403, manager=403, other_manager=403), 302, "rep"
        ),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
    ),
    Row(
        "appeals:comment",
        w_allowed(E01_SEES, 302, "admin", "manager", "rep"),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
        data=const(note="矩阵评论"),
    ),
    # --- audit
    Row("audit:page", MANAGERS),
    Row("audit:export", MANAGERS),
    Row("audit:page", MANAGERS, obj="?rep=S01", query=lambda w: {"rep": w.reps["S01"].pk}),
    Row("audit:page", MANAGERS, obj="?q=华南", query=const(q="华南")),
    Row("audit:export", MANAGERS, obj="?rep=S01", query=lambda w: {"rep": w.reps["S01"].pk}),
    # --- notifications and webhooks
    Row("notifications:inbox", MEMBERS),
    Row(
        "notifications:read",
        w_allowed(expect(E01_SEES, outsider=403, admin=404, manager=404), 302, "rep"),
        "POST",
        "rep's",
        kwargs=pk("notifications", "rep"),
    ),
    Row(
        "notifications:read_all",
        w_allowed(
            expect(MEMBERS, admin="302="),
            302,
            "manager",
            "other_manager",
            "rep",
            "colleague",
            "other_rep",
        ),
        "POST",
    ),
    Row("notifications:channels", MANAGERS),
    Row("notifications:channel_new", MANAGERS),
    Row(
        "notifications:channel_new",
        w_allowed(expect(MANAGERS, other_manager="400="), 302, "admin", "manager"),
        "POST",
        "team 华东",
        data=lambda w: {
            "name": "矩阵机器人",
            "team": w.east.pk,
            "kind": "wecom",
            "url": "https://hooks.example.com/m",
            "enabled": "on",
        },
    ),
    Row("notifications:channel_edit", EAST_MANAGED, obj="east", kwargs=pk("channels", "east")),
    Row(
        "notifications:channel_edit",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("channels", "east"),
        data=lambda w: {
            "name": "改名机器人",
            "team": w.east.pk,
            "kind": "wecom",
            "url": "https://hooks.example.com/east",
            "enabled": "on",
        },
    ),
    Row(
        "notifications:channel_edit",
        w_allowed(expect(EAST_MANAGED, manager="400="), 302, "admin"),
        "POST",
        "east → 华南",
        kwargs=pk("channels", "east"),
        data=lambda w: {
            "name": "改名机器人",
            "team": w.south.pk,
            "kind": "wecom",
            "url": "https://hooks.example.com/east",
            "enabled": "on",
        },
    ),
    Row(
        "notifications:channel_delete",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("channels", "east"),
    ),
    Row(
        "notifications:channel_test",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("channels", "east"),
    ),
    # --- dashboards and reviews (exports included)
    Row("dashboards:page", MEMBERS),
    Row("dashboards:page", MEMBERS, obj="?team=华南", query=lambda w: {"team": w.south.pk}),
    Row("dashboards:page", MEMBERS, obj="?rep=S01", query=lambda w: {"rep": w.reps["S01"].pk}),
    Row("dashboards:download", MEMBERS),
    Row("dashboards:download", MEMBERS, obj="?team=华南", query=lambda w: {"team": w.south.pk}),
    Row("dashboards:download", MEMBERS, obj="?rep=S01", query=lambda w: {"rep": w.reps["S01"].pk}),
    Row("reviews:page", MANAGERS),
    Row("reviews:page", EAST_MANAGED, obj="?team=华东", query=lambda w: {"team": w.east.pk}),
    Row("reviews:export", MANAGERS),
    Row("reviews:export", EAST_MANAGED, obj="?team=华东", query=lambda w: {"team": w.east.pk}),
    Row(
        "reviews:schedule",
        w_allowed(EAST_MANAGED, 302, "admin", "manager"),
        "POST",
        "team 华东",
        data=lambda w: {"team": w.east.pk, "frequency": "quarterly"},
    ),
    # ------------------------------------------------------------------ REST API
    Row("api:api-root", API_MEMBERS),
    Row("api:schema", expect(_all("200"), anon=401)),
    Row("api:docs", expect(_all("200"), anon=302)),
    Row("api:customer_why", API_E01_SEES, obj="e01", kwargs=pk("customers", "e01")),
    Row("api:customer-list", API_MEMBERS),
    Row("api:customer-list", API_MEMBERS, obj="?team=华南", query=lambda w: {"team": w.south.pk}),
    Row(
        "api:customer-list",
        API_MEMBERS,
        obj="?owner=S01",
        query=lambda w: {"owner": w.reps["S01"].pk},
    ),
    Row("api:customer-list", API_MEMBERS, obj="?q=AC-S", query=const(q="AC-S")),
    Row(
        "api:customer-list",
        w_allowed(
            API_MEMBERS, 201, "admin", "manager", "other_manager", "rep", "colleague", "other_rep"
        ),
        "POST",
        data=const(name="矩阵接口客户", region="上海"),
    ),
    Row(
        "api:customer-list",
        expect(
            API_MEMBERS,
            admin="409=",
            manager="409=",
            other_manager="409=",
            rep="409=",
            colleague="409=",
            other_rep="409=",
        ),
        "POST",
        "phone of s01",
        data=const(name="矩阵撞单客户", region="上海", phone=S01_PHONE),
        allow=dict.fromkeys(ROLES, ("王芳", "保密华南区")),
    ),
    Row("api:customer-detail", API_E01_SEES, obj="e01", kwargs=pk("customers", "e01")),
    Row(
        "api:customer-detail",
        expect(API_E01_SEES, colleague=200),
        obj="pool_east",
        kwargs=pk("customers", "pool_east"),
    ),
    Row(
        "api:customer-detail",
        w_allowed(expect(API_EAST_MANAGED, outsider=403), 200, "admin", "manager"),
        "PATCH",
        "e01",
        kwargs=pk("customers", "e01"),
        data=const(contact="矩阵联系人"),
    ),
    Row(
        "api:customer-assign",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "POST",
        "e01→E02",
        kwargs=pk("customers", "e01"),
        data=lambda w: {"rep": w.reps["E02"].pk},
    ),
    Row(
        "api:customer-assign",
        w_allowed(expect(API_EAST_MANAGED, manager="400=", other_manager="404"), 200, "admin"),
        "POST",
        "pool_east→S01",
        kwargs=pk("customers", "pool_east"),
        data=lambda w: {"rep": w.reps["S01"].pk},
    ),
    Row(
        "api:customer-release",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "POST",
        "e01",
        kwargs=pk("customers", "e01"),
        data=const(reason="矩阵"),
    ),
    Row(
        "api:customer_why",
        expect(API_MEMBERS),
        obj="pool_unrouted",
        kwargs=pk("customers", "pool_unrouted"),
    ),
    Row("api:customer-assignments", API_E01_SEES, obj="e01", kwargs=pk("customers", "e01")),
    Row("api:rep-list", API_MEMBERS),
    Row("api:rep-detail", expect(API_E01_SEES), obj="E01", kwargs=rep_pk("E01")),
    Row(
        "api:rep-detail",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "PATCH",
        "E01",
        kwargs=rep_pk("E01"),
        data=const(capacity=33),
    ),
    Row(
        "api:rep-handover",
        w_allowed(API_EAST_MANAGED, 201, "admin", "manager"),
        "POST",
        "E01→E02",
        kwargs=rep_pk("E01"),
        data=lambda w: {"successor": w.reps["E02"].pk},
    ),
    Row("api:team-list", API_MEMBERS),
    Row(
        "api:team-detail",
        expect(API_E01_SEES, colleague=200),
        obj="east",
        kwargs=lambda w: {"pk": w.east.pk},
    ),
    Row("api:policy-list", API_MEMBERS),
    Row(
        "api:policy-list",
        w_allowed(API_MANAGERS, 201, "admin", "manager", "other_manager"),
        "POST",
        data=_policy_toml,
    ),
    Row("api:policy-active", API_MEMBERS),
    Row("api:policy-detail", API_MEMBERS, obj="v1", kwargs=const(number=1)),
    Row(
        "api:policy-activate",
        w_allowed(API_MANAGERS, 200, "admin", "manager", "other_manager"),
        "POST",
        "v2",
        kwargs=const(number=2),
    ),
    Row("api:run-list", API_MANAGERS),
    Row(
        "api:run-list",
        w_allowed(expect(API_MANAGERS, other_manager="400="), 201, "admin", "manager"),
        "POST",
        "team 华东",
        data=lambda w: {"scope": "team", "team": w.east.pk},
    ),
    Row(
        "api:run-list",
        w_allowed(expect(API_MANAGERS, other_manager="400="), 201, "admin", "manager"),
        "POST",
        "selection e01",
        data=lambda w: {"scope": "selection", "customers": [w.customers["e01"].pk]},
    ),
    Row("api:run-detail", API_EAST_MANAGED, obj="east", kwargs=pk("runs", "east")),
    Row("api:run-items", API_EAST_MANAGED, obj="east", kwargs=pk("runs", "east")),
    Row(
        "api:run-apply",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("runs", "east"),
    ),
    Row(
        "api:run-discard",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "POST",
        "east",
        kwargs=pk("runs", "east"),
    ),
    Row("api:pool-list", API_MEMBERS),
    Row("api:pool-warnings", API_MEMBERS),
    Row(
        "api:pool-claim",
        w_allowed(
            expect(API_E01_SEES, admin=403, manager=403, other_manager=403), 200, "rep", "colleague"
        ),
        "POST",
        "pool_east",
        kwargs=pk("customers", "pool_east"),
    ),
    Row(
        "api:pool-claim",
        w_allowed(
            expect(API_E01_SEES, admin=403, manager=403, other_manager=403, rep=404),
            200,
            "other_rep",
        ),
        "POST",
        "pool_south",
        kwargs=pk("customers", "pool_south"),
    ),
    Row(
        "api:pool-give-back",
        w_allowed(expect(API_MANAGERS, other_manager="400="), 200, "admin", "manager"),
        "POST",
        "e01",
        data=lambda w: {"ids": [w.customers["e01"].pk], "reason": "矩阵"},
    ),
    Row("api:followup-list", API_MEMBERS),
    Row(
        "api:followup-list",
        w_allowed(expect(API_E01_SEES), 201, "admin", "manager", "rep"),
        "POST",
        "e01",
        data=lambda w: {"customer": w.customers["e01"].pk, "channel": "phone", "note": "矩阵跟进"},
    ),
    Row("api:followup-due", API_MEMBERS),
    Row("api:followup-detail", API_E01_SEES, obj="e01", kwargs=pk("followups", "e01")),
    Row("api:deal-list", API_MEMBERS),
    Row(
        "api:deal-list",
        w_allowed(expect(API_E01_SEES), 201, "admin", "manager", "rep"),
        "POST",
        "e01",
        data=lambda w: {"customer": w.customers["e01"].pk, "result": "won", "amount": "1000"},
    ),
    Row("api:deal-detail", API_E01_SEES, obj="e01", kwargs=pk("deals", "e01")),
    Row("api:goal-list", API_MEMBERS),
    Row(
        "api:goal-list",
        w_allowed(expect(API_EAST_MANAGED, other_manager=404), 201, "admin", "manager"),
        "POST",
        "E01",
        data=lambda w: {
            "rep": w.reps["E01"].pk,
            "period": "month",
            "period_start": _month(),
            "metric": "followups",
            "target": "12",
        },
    ),
    Row("api:feedback-list", API_MEMBERS),
    Row(
        "api:feedback-list",
        w_allowed(expect(API_EAST_MANAGED), 201, "admin", "manager"),
        "POST",
        "E01",
        data=lambda w: {"rep": w.reps["E01"].pk, "text": "矩阵反馈"},
    ),
    Row("api:feedback-detail", API_E01_SEES, obj="e01", kwargs=pk("feedback", "e01")),
    Row(
        "api:feedback-acknowledge",
        w_allowed(expect(API_E01_SEES, admin=404, manager=404), 200, "rep"),
        "POST",
        "e01",
        kwargs=pk("feedback", "e01"),
    ),
    Row("api:appeal-list", API_MEMBERS, allow=CROSS_CLAIM),
    Row(
        "api:appeal-list",
        expect(
            API_E01_SEES,
            admin=403,
            manager=403,
            other_manager=403,
            rep="201+",
            colleague="201+",
            other_rep="400=",
        ),
        "POST",
        "claim AC-S01 by no.",
        data=const(kind="claim", customer_ref="AC-S01", reason="矩阵申诉"),
        allow=CROSS_CLAIM_S01,
    ),
    Row(
        "api:appeal-list",
        w_allowed(
            expect(API_E01_SEES, admin=403, manager=403, other_manager=403, colleague=201),
            201,
            "rep",
        ),
        "POST",
        "claim pool_east",
        data=lambda w: {
            "kind": "claim",
            "customer": w.customers["pool_east"].pk,
            "reason": "矩阵申诉",
        },
    ),
    Row("api:appeal-detail", API_E01_SEES, obj="e01", kwargs=pk("appeals", "e01")),
    Row(
        "api:appeal-detail",
        expect(API_E01_SEES, manager=200, other_manager=200),
        obj="claim_s02",
        kwargs=pk("appeals", "claim_s02"),
        allow=CROSS_CLAIM,
    ),
    Row("api:appeal-attachment", API_E01_SEES, obj="e01", kwargs=pk("appeals", "e01")),
    Row(
        "api:appeal-approve",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
        data=const(note="矩阵"),
    ),
    Row(
        "api:appeal-approve",
        expect(API_EAST_MANAGED, admin="200+", manager="400="),
        "POST",
        "e01 → S01",
        kwargs=pk("appeals", "e01"),
        data=lambda w: {"target": w.reps["S01"].pk, "note": "矩阵"},
    ),
    Row(
        "api:appeal-reject",
        w_allowed(API_EAST_MANAGED, 200, "admin", "manager"),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
        data=const(note="矩阵驳回"),
    ),
    Row(
        "api:appeal-withdraw",
        w_allowed(expect(API_E01_SEES, admin=403, manager=403), 200, "rep"),
        "POST",
        "e01",
        kwargs=pk("appeals", "e01"),
    ),
    Row("api:audit-list", API_MANAGERS),
    Row(
        "api:audit-list",
        API_MANAGERS,
        obj="?customer=s01",
        query=lambda w: {"customer": w.customers["s01"].pk},
    ),
    Row(
        "api:audit-detail",
        API_EAST_MANAGED,
        obj="e01's",
        kwargs=lambda w: {"pk": w.extra["audit_e01"]},
    ),
    Row("api:notification-list", API_MEMBERS),
    Row(
        "api:notification-detail",
        expect(API_E01_SEES, admin=404, manager=404),
        obj="rep's",
        kwargs=pk("notifications", "rep"),
    ),
    Row(
        "api:notification-read",
        w_allowed(expect(API_E01_SEES, admin=404, manager=404), 200, "rep"),
        "POST",
        "rep's",
        kwargs=pk("notifications", "rep"),
    ),
    Row(
        "api:notification-read-all",
        w_allowed(API_MEMBERS, 200, "manager", "other_manager", "rep", "colleague", "other_rep"),
        "POST",
    ),
]

#: named routes the matrix leaves out, each with why
EXCLUDED: dict[str, str] = {
    "admin:*": "Django's admin site: staff only, guarded by Django's own admin checks",
}
