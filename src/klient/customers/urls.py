from django.urls import path

from klient.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.company_list_view, name="company_list"),
    path("new/", views.company_create_view, name="company_create"),
    path("export.csv", views.company_export_view, name="company_export"),
    path("<int:pk>/", views.company_detail_view, name="company_detail"),
    path("<int:pk>/edit/", views.company_edit_view, name="company_edit"),
    path("<int:pk>/delete/", views.company_delete_view, name="company_delete"),
    path("<int:pk>/history/", views.company_history_view, name="company_history"),
    path("<int:pk>/account-team/", views.company_account_team_add_view, name="company_account_team_add"),
    path(
        "<int:pk>/account-team/<int:user_id>/remove/",
        views.company_account_team_remove_view,
        name="company_account_team_remove",
    ),
]
