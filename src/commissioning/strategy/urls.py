"""Pages under ``/p/<slug>/strategy/``: outcome frameworks and priorities with their evidence."""

from django.urls import path

from commissioning.strategy import views

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
