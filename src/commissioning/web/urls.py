from django.urls import include, path

from commissioning.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch_partnership, name="switch_partnership"),
    path("p/<slug:slug>/", views.dashboard, name="dashboard"),
    path("p/<slug:slug>/", include("commissioning.partners.urls")),
    path("p/<slug:slug>/needs/", include("commissioning.needs.urls")),
    path("p/<slug:slug>/governance/", include("commissioning.governance.urls")),
    path("p/<slug:slug>/resources/", include("commissioning.finance.urls")),
    path("p/<slug:slug>/engagement/", include("commissioning.engagement.urls")),
    path("p/<slug:slug>/market/", include("commissioning.market.urls")),
    path("p/<slug:slug>/providers/", include("commissioning.contracts.provider_urls")),
    path("p/<slug:slug>/contracts/", include("commissioning.contracts.urls")),
    path("p/<slug:slug>/contract-audit/", include("commissioning.contracts.audit_urls")),
    path("p/<slug:slug>/placements/", include("commissioning.contracts.placement_urls")),
    path("p/<slug:slug>/grants/", include("commissioning.contracts.grant_urls")),
    path("p/<slug:slug>/returns/", include("commissioning.performance.return_urls")),
    path("p/<slug:slug>/kpis/", include("commissioning.performance.kpi_urls")),
    path("p/<slug:slug>/reviews/", include("commissioning.performance.review_urls")),
    path("p/<slug:slug>/decommissioning/", include("commissioning.performance.decommissioning_urls")),
    path("p/<slug:slug>/performance/", include("commissioning.performance.report_urls")),
    path("p/<slug:slug>/strategy/", include("commissioning.strategy.urls")),
    path("public/<slug:slug>/", include("commissioning.governance.public_urls")),
    path("public/<slug:slug>/", include("commissioning.engagement.public_urls")),
    path("public/<slug:slug>/", include("commissioning.contracts.public_urls")),
    path("public/<slug:slug>/", include("commissioning.strategy.public_urls")),
]
