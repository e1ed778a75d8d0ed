"""Pages under ``/p/<slug>/returns/``."""

from __future__ import annotations

import datetime as dt

from django.urls import path, register_converter

from commissioning.performance import return_views as views


class ReturnDateConverter:
    """A period's first day in a URL as 2026-04-01; anything else is not found."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # ValueError: no match, so a 404

    def to_url(self, value: dt.date | str) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(ReturnDateConverter, "return_date")

app_name = "returns"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:kpi>/<return_date:period_start>/", views.submit_return, name="submit"),
    path("return/<int:pk>/", views.detail, name="detail"),
    path("return/<int:pk>/correct/", views.correct, name="correct"),
    path("return/<int:pk>/validate/", views.validate, name="validate"),
    path("return/<int:pk>/query/", views.query, name="query"),
    path("upload/", views.upload, name="upload"),
    path("template/", views.template, name="template"),
    path("overdue/", views.overdue, name="overdue"),
    path("chase/", views.chase, name="chase"),
]
