"""Pages under ``/p/<slug>/decommissioning/``."""

from django.urls import path

from commissioning.performance import decommissioning_views as views

app_name = "decommissioning"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/advance/", views.advance, name="advance"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/rationale/", views.rationale, name="rationale"),
    path("<int:pk>/options/", views.options, name="options"),
    path("<int:pk>/options/choose/", views.choose, name="choose"),
    path("<int:pk>/risk/", views.risk, name="risk"),
    path("<int:pk>/risk/add/", views.risk_add, name="risk_add"),
    path("<int:pk>/risk/<int:risk_pk>/", views.risk_edit, name="risk_edit"),
    path("<int:pk>/consultation/", views.consultation, name="consultation"),
    path("<int:pk>/equality/", views.equality, name="equality"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/transition/summary/", views.transition_summary, name="transition_summary"),
    path(
        "<int:pk>/transition/<int:arrangement_pk>/remove/",
        views.arrangement_remove,
        name="arrangement_remove",
    ),
    path("<int:pk>/notice/", views.notice, name="notice"),
    path("<int:pk>/decision/", views.decision, name="decision"),
]
