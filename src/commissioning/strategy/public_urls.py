"""Published market position statements anyone may read without signing in, under ``/public/<slug>/``."""

from django.urls import path

from commissioning.strategy import market_position_views as views

app_name = "strategy_public"

urlpatterns = [
    path("market-position/", views.public_statements, name="statements"),
    path("market-position/<int:pk>/", views.public_statement, name="statement"),
    path("market-position/<int:pk>/statement.pdf", views.public_statement_pdf, name="statement_pdf"),
    path("market-position/<int:pk>/statement.json", views.public_statement_json, name="statement_json"),
    path("market-position/<int:pk>/figures.csv", views.public_statement_csv, name="statement_csv"),
    path("market-position/<int:pk>/intentions.csv", views.public_intentions_csv, name="intentions_csv"),
]
