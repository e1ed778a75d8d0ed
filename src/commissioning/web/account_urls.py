from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from commissioning.web import account_views

urlpatterns = [
    path(
        "login/",
        login_not_required(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "reset/<uidb64>/<token>/",
        login_not_required(
            auth_views.PasswordResetConfirmView.as_view(
                form_class=account_views.SetPasswordForm, template_name="web/password_set.html"
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        login_not_required(
            auth_views.PasswordResetCompleteView.as_view(template_name="web/password_set_done.html")
        ),
        name="password_reset_complete",
    ),
    path("tokens/", account_views.api_tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", account_views.api_token_revoke_view, name="api_token_revoke"),
]
