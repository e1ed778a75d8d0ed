from django.urls import path

from commissioning.finance import views

app_name = "finance"

urlpatterns = [
    path("", views.home, name="home"),
    path("funds/new/", views.fund_new, name="fund_new"),
    path("funds/<int:pk>/", views.fund_detail, name="fund"),
    path("funds/<int:pk>/edit/", views.fund_edit, name="fund_edit"),
    path("funds/<int:pk>/contributions/", views.contributions, name="contributions"),
    path("funds/<int:pk>/risk-shares/", views.risk_shares, name="risk_shares"),
    path("funds/<int:pk>/schemes/new/", views.scheme_new, name="scheme_new"),
    path("budgets/", views.budgets, name="budgets"),
    path("budgets/new/", views.budget_line_new, name="budget_line_new"),
    path("budgets/<int:pk>/", views.budget_line, name="budget_line"),
    path("budgets/<int:pk>/edit/", views.budget_line_edit, name="budget_line_edit"),
    path("imports/", views.ledger_import, name="imports"),
    path("flows/", views.flows, name="flows"),
    path("prevention/", views.prevention, name="prevention"),
    path("posts/", views.posts, name="posts"),
]
