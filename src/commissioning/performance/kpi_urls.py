"""Pages under ``/p/<slug>/kpis/``: each KPI's SPC chart, and each contract's KPI summary."""

from django.urls import path

from commissioning.performance import kpi_views

app_name = "kpis"

urlpatterns = [
    path("<int:pk>/", kpi_views.detail, name="detail"),
    path("<int:pk>/chart.<str:fmt>", kpi_views.export, name="export"),
    path("contract/<int:pk>/", kpi_views.contract, name="contract"),
    path("contract/<int:pk>/summary/", kpi_views.contract_summary, name="contract_summary"),
]
