"""Pages under ``/p/<slug>/strategy/``: outcome frameworks and priorities with their evidence."""

from django.urls import path

from commissioning.strategy import (
    golden_thread_views,
    market_position_views,
    priority_setting_views,
    self_assessment_views,
    services_map_views,
    strategy_views,
    views,
)

app_name = "strategy"

urlpatterns = [
    path("", views.home, name="home"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("frameworks/adopt/", views.framework_adopt, name="framework_adopt"),
    path("frameworks/<int:pk>/", views.framework, name="framework"),
    path(
        "outcomes/<int:pk>/indicators/<int:indicator_pk>/unlink/", views.outcome_unlink, name="outcome_unlink"
    ),
    path("priorities/new/", views.priority_new, name="priority_new"),
    path("priorities/<int:pk>/", views.priority, name="priority"),
    path("priorities/<int:pk>/edit/", views.priority_edit, name="priority_edit"),
    path("priorities/<int:pk>/agree/", views.priority_agree, name="priority_agree"),
    path("priorities/<int:pk>/retire/", views.priority_retire, name="priority_retire"),
]

urlpatterns += [
    path("strategies/", strategy_views.strategy_list, name="strategies"),
    path("strategies/new/", strategy_views.strategy_new, name="strategy_new"),
    path("strategies/<int:pk>/", strategy_views.strategy_detail, name="strategy"),
    path("strategies/<int:pk>/edit/", strategy_views.strategy_edit, name="strategy_edit"),
    path("strategies/<int:pk>/objectives/new/", strategy_views.objective_new, name="strategy_objective_new"),
    path("strategies/<int:pk>/actions/new/", strategy_views.action_new, name="strategy_action_new"),
    path("strategies/<int:pk>/measures/new/", strategy_views.measure_new, name="strategy_measure_new"),
    path("strategies/<int:pk>/submit/", strategy_views.strategy_submit, name="strategy_submit"),
    path(
        "strategies/<int:pk>/<str:part>/<int:part_pk>/remove/",
        strategy_views.strategy_part_remove,
        name="strategy_part_remove",
    ),
    path("objectives/<int:pk>/edit/", strategy_views.objective_edit, name="strategy_objective_edit"),
    path(
        "objectives/<int:pk>/developments/new/",
        strategy_views.development_new,
        name="strategy_development_new",
    ),
]

urlpatterns += [
    path("rounds/", priority_setting_views.round_list, name="rounds"),
    path("rounds/new/", priority_setting_views.round_new, name="round_new"),
    path("rounds/<int:pk>/", priority_setting_views.round_detail, name="round"),
    path("rounds/<int:pk>/edit/", priority_setting_views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/criteria/", priority_setting_views.round_criteria, name="round_criteria"),
    path("rounds/<int:pk>/options/new/", priority_setting_views.round_option_new, name="round_option_new"),
    path(
        "rounds/<int:pk>/options/<int:option_pk>/edit/",
        priority_setting_views.round_option_edit,
        name="round_option_edit",
    ),
    path(
        "rounds/<int:pk>/options/<int:option_pk>/remove/",
        priority_setting_views.round_option_remove,
        name="round_option_remove",
    ),
    path("rounds/<int:pk>/panel/new/", priority_setting_views.round_member_new, name="round_member_new"),
    path(
        "rounds/<int:pk>/panel/<int:member_pk>/interests/new/",
        priority_setting_views.round_interest_new,
        name="round_interest_new",
    ),
    path("rounds/<int:pk>/scores/", priority_setting_views.round_scores, name="round_scores"),
    path("rounds/<int:pk>/status/<str:action>/", priority_setting_views.round_status, name="round_status"),
    path("rounds/<int:pk>/run/", priority_setting_views.round_run, name="round_run"),
    path("rounds/<int:pk>/results/", priority_setting_views.round_results, name="round_results"),
    path("rounds/<int:pk>/decision/", priority_setting_views.round_decision, name="round_decision"),
]

urlpatterns += [
    path("self-assessment/", self_assessment_views.self_assessment, name="self_assessment"),
    path(
        "self-assessment/record/", self_assessment_views.self_assessment_record, name="self_assessment_record"
    ),
    path(
        "self-assessment/<int:pk>/",
        self_assessment_views.self_assessment_snapshot,
        name="self_assessment_snapshot",
    ),
]

urlpatterns += [
    path("services/", services_map_views.services_map_page, name="services_map"),
    path("services/new/", services_map_views.service_new, name="service_new"),
    path("services/<int:pk>/", services_map_views.service_detail, name="service"),
    path("services/<int:pk>/edit/", services_map_views.service_edit, name="service_edit"),
    path("services/<int:pk>/retire/", services_map_views.service_retire, name="service_retire"),
    path("services/<int:pk>/funding/", services_map_views.service_fund, name="service_fund"),
    path(
        "services/<int:pk>/funding/<int:line_pk>/remove/",
        services_map_views.service_unfund,
        name="service_unfund",
    ),
    path(
        "services/<int:pk>/<str:kind>/<int:obj_pk>/unlink/",
        services_map_views.service_unlink,
        name="service_unlink",
    ),
    path("thread/<str:kind>/<int:pk>/", golden_thread_views.thread, name="thread"),
]

urlpatterns += [
    path("market-position/", market_position_views.statement_list, name="statements"),
    path("market-position/new/", market_position_views.statement_new, name="statement_new"),
    path("market-position/<int:pk>/", market_position_views.statement_detail, name="statement"),
    path(
        "market-position/<int:pk>/history/", market_position_views.statement_history, name="statement_history"
    ),
    path(
        "market-position/<int:pk>/commentary/<str:section>/",
        market_position_views.statement_commentary,
        name="statement_commentary",
    ),
    path(
        "market-position/<int:pk>/intentions/new/",
        market_position_views.intention_new,
        name="statement_intention_new",
    ),
    path(
        "market-position/intentions/<int:pk>/edit/",
        market_position_views.intention_edit,
        name="statement_intention_edit",
    ),
    path(
        "market-position/intentions/<int:pk>/remove/",
        market_position_views.intention_remove,
        name="statement_intention_remove",
    ),
    path("market-position/<int:pk>/submit/", market_position_views.statement_submit, name="statement_submit"),
    path(
        "market-position/<int:pk>/publish/", market_position_views.statement_publish, name="statement_publish"
    ),
    path(
        "market-position/<int:pk>/withdraw/",
        market_position_views.statement_withdraw,
        name="statement_withdraw",
    ),
    path(
        "market-position/<int:pk>/new-version/",
        market_position_views.statement_new_version,
        name="statement_new_version",
    ),
]

urlpatterns += [
    path("developments/<int:pk>/edit/", strategy_views.development_edit, name="strategy_development_edit"),
    path(
        "strategies/<int:pk>/actions/<int:action_pk>/edit/",
        strategy_views.action_edit,
        name="strategy_action_edit",
    ),
    path(
        "strategies/<int:pk>/measures/<int:measure_pk>/edit/",
        strategy_views.measure_edit,
        name="strategy_measure_edit",
    ),
    path("strategies/<int:pk>/revise/", strategy_views.strategy_revise, name="strategy_revise"),
]
