from django.urls import path

from klient.sales.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list_view, name="contract_list"),
    path("new/", views.contract_create_view, name="contract_create"),
    path("<int:pk>/", views.contract_detail_view, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_edit_view, name="contract_edit"),
    path("<int:pk>/compare/", views.contract_compare_view, name="contract_compare"),
    path("<int:pk>/negotiate/", views.contract_negotiate_view, name="contract_negotiate"),
    path(
        "<int:pk>/request-approval/", views.contract_request_approval_view, name="contract_request_approval"
    ),
    path("<int:pk>/approve/", views.contract_approve_view, name="contract_approve"),
    path("<int:pk>/sign/", views.contract_sign_view, name="contract_sign"),
    path("<int:pk>/terminate/", views.contract_terminate_view, name="contract_terminate"),
    path("<int:pk>/disagreements/", views.disagreement_add_view, name="disagreement_add"),
    path(
        "<int:pk>/disagreements/<int:disagreement_pk>/resolve/",
        views.disagreement_resolve_view,
        name="disagreement_resolve",
    ),
]
