"""Contract register pages under ``/p/<slug>/contracts/``."""

from django.urls import path

from commissioning.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.new, name="new"),
    path("import/", views.contract_import, name="import"),
    path("ocds/import/", views.ocds_import, name="ocds_import"),
    path("expiring/", views.pipeline, name="pipeline"),
    path("transparency.csv", views.transparency, name="transparency"),
    path("from-procurement/<int:pk>/", views.new_from_procurement, name="new_from_procurement"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/funding/", views.funding, name="funding"),
    path("<int:pk>/kpis/new/", views.kpi_new, name="kpi_new"),
    path("<int:pk>/kpis/<int:kpi_pk>/", views.kpi_edit, name="kpi_edit"),
    path("<int:pk>/outcomes/new/", views.outcome_new, name="outcome_new"),
    path("<int:pk>/extend/", views.extend, name="extend"),
    path("<int:pk>/end/", views.end, name="end"),
]
