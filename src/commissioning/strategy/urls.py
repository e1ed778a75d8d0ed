"""Pages under ``/p/<slug>/strategy/``: outcome frameworks and priorities with their evidence."""

from django.urls import path

from commissioning.strategy import strategy_views, views

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
