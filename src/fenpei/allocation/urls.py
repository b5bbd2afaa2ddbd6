from __future__ import annotations

from django.urls import URLPattern, path

from fenpei.allocation import handover_views, policy_views, rebalance_views, views, whatif_views

app_name = "allocation"

urlpatterns: list[URLPattern] = [
    path("runs/", views.runs, name="runs"),
    path("runs/new/", views.run_new, name="run_new"),
    path("runs/rebalance/", rebalance_views.rebalance_page, name="rebalance"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/apply/", views.run_apply_view, name="run_apply"),
    path("runs/<int:pk>/discard/", views.run_discard_view, name="run_discard"),
    path("reps/<int:pk>/handover/", handover_views.handover, name="handover"),
    path("policy/", policy_views.policy, name="policy"),
    path("policy/rules/", policy_views.policy_rules, name="policy_rules"),
    path("policy/toml/", policy_views.policy_toml_save, name="policy_toml"),
    path("policy/policy.toml", policy_views.policy_download, name="policy_download"),
    path("policy/whatif/", whatif_views.whatif, name="policy_whatif"),
    path("policy/history/", policy_views.policy_history, name="policy_history"),
    path("policy/v<int:number>/", policy_views.policy_version, name="policy_version"),
    path(
        "policy/v<int:number>/activate/",
        policy_views.policy_activate,
        name="policy_activate",
    ),
    path(
        "policy/v<int:number>/policy.toml",
        policy_views.policy_version_download,
        name="policy_version_download",
    ),
]
