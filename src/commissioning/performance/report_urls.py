"""Pages under ``/p/<slug>/performance/``: integrated performance reports and the partnership's evaluation."""

from django.urls import path

from commissioning.performance import report_views

app_name = "performance"

urlpatterns = [
    path("reports/", report_views.report_list, name="reports"),
    path("reports/new/", report_views.report_new, name="report_new"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/edit/", report_views.report_edit, name="report_edit"),
    path("reports/<int:pk>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/issue/", report_views.report_issue, name="report_issue"),
    path(
        "reports/<int:pk>/commentary/kpi/<int:kpi_pk>/",
        report_views.report_kpi_commentary,
        name="report_kpi_commentary",
    ),
    path(
        "reports/<int:pk>/commentary/care-group/<int:group_pk>/",
        report_views.report_group_commentary,
        name="report_group_commentary",
    ),
    path("evaluation/", report_views.evaluation_page, name="evaluation"),
    path("evaluation/record/", report_views.evaluation_record, name="evaluation_record"),
    path("evaluation/freeze/", report_views.evaluation_freeze, name="evaluation_freeze"),
]
