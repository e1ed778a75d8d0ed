from django.urls import path

from commissioning.governance import views

app_name = "governance"

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views.calendar, name="calendar"),
    path("boards/new/", views.board_new, name="board_new"),
    path("boards/<int:pk>/", views.board_detail, name="board"),
    path("boards/<int:pk>/edit/", views.board_edit, name="board_edit"),
    path("boards/<int:pk>/members/new/", views.member_new, name="member_new"),
    path("boards/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/agenda/new/", views.agenda_item_new, name="agenda_item_new"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/actions/new/", views.action_new, name="action_new"),
    path("meetings/<int:pk>/decisions/<int:decision_pk>/votes/", views.votes, name="votes"),
    path(
        "meetings/<int:pk>/decisions/<int:decision_pk>/<str:outcome>/",
        views.meeting_decide,
        name="meeting_decide",
    ),
    path("actions/<int:pk>/done/", views.action_complete, name="action_complete"),
    path("decisions/", views.decision_log, name="decisions"),
    path("decisions/forward-plan/", views.forward_plan, name="forward_plan"),
    path("decisions/new/", views.decision_new, name="decision_new"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/propose/", views.decision_propose, name="decision_propose"),
    path("decisions/<int:pk>/approve/", views.decision_approve, name="decision_approve"),
    path("interests/", views.interests, name="interests"),
    path("interests/new/", views.interest_new, name="interest_new"),
    path("interests/<int:pk>/end/", views.interest_end, name="interest_end"),
    path("delegation/", views.delegation, name="delegation"),
    path("delegation/new/", views.delegation_rule_new, name="delegation_rule_new"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/new/", views.agreement_new, name="agreement_new"),
]
