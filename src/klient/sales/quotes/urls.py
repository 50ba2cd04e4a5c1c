from django.urls import path

from klient.sales.quotes import views

app_name = "quotes"

urlpatterns = [
    path("", views.quote_list_view, name="quote_list"),
    path("new/", views.quote_create_view, name="quote_create"),
    path("<int:pk>/", views.quote_detail_view, name="quote_detail"),
    path("<int:pk>/edit/", views.quote_edit_view, name="quote_edit"),
    path("<int:pk>/pdf/", views.quote_pdf_view, name="quote_pdf"),
    path("<int:pk>/send/", views.quote_send_view, name="quote_send"),
    path("<int:pk>/request-approval/", views.quote_request_approval_view, name="quote_request_approval"),
    path("<int:pk>/approve/", views.quote_approve_view, name="quote_approve"),
    path("<int:pk>/revise/", views.quote_revise_view, name="quote_revise"),
    path("mass/", views.mass_proposal_list_view, name="mass_proposal_list"),
    path("mass/new/", views.mass_proposal_new_view, name="mass_proposal_new"),
    path("mass/<int:pk>/", views.mass_proposal_detail_view, name="mass_proposal_detail"),
]
