"""Pages under ``/p/<slug>/reviews/``: reviews, remedial plans, escalation rules and notifications."""

from django.urls import path

from commissioning.performance import review_views as views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_new, name="new"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("run/", views.run, name="run"),
    path("notifications/", views.notification_list, name="notifications"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/edit/", views.review_edit, name="edit"),
    path("<int:pk>/held/", views.review_hold, name="hold"),
    path("<int:pk>/close/", views.review_close, name="close"),
    path("<int:pk>/findings/new/", views.finding_new, name="finding_new"),
    path("<int:pk>/findings/<int:finding_pk>/", views.finding_edit, name="finding_edit"),
    path("<int:pk>/plan/new/", views.plan_new, name="plan_new"),
    path("<int:pk>/plan/status/", views.plan_status, name="plan_status"),
    path("<int:pk>/plan/actions/new/", views.action_new, name="action_new"),
    path("<int:pk>/plan/actions/<int:action_pk>/complete/", views.action_complete, name="action_complete"),
]
