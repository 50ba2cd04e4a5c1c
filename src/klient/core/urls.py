from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from klient.core import views

app_name = "core"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("search/", views.search_view, name="search"),
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_otp_view, name="login_otp"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("core:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("core:password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("core:profile")),
        name="password_change",
    ),
    path("language/", views.set_language_view, name="set_language"),
    path("me/", views.profile_view, name="profile"),
    path("me/two-factor/", views.two_factor_setup_view, name="two_factor_setup"),
    path("me/two-factor/off/", views.two_factor_disable_view, name="two_factor_disable"),
    path("me/tokens/", views.token_list_view, name="token_list"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("delegations/", views.delegation_list_view, name="delegation_list"),
    path("delegations/<int:pk>/cancel/", views.delegation_cancel_view, name="delegation_cancel"),
]
