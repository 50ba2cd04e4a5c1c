"""The customer portal under /portal/ (namespace "portal")."""

from django.urls import path

from klient.service.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.ticket_list_view, name="ticket_list"),
    path("login/", views.login_view, name="login"),
    path("login/link/", views.link_request_view, name="link_request"),
    path("link/<str:token>/", views.link_sign_in_view, name="link_sign_in"),
    path("logout/", views.logout_view, name="logout"),
    path("tickets/new/", views.ticket_new_view, name="ticket_new"),
    path("tickets/<int:number>/", views.ticket_detail_view, name="ticket_detail"),
    path("tickets/<int:number>/reply/", views.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:number>/close/", views.ticket_close_view, name="ticket_close"),
    path("tickets/<int:number>/rate/", views.ticket_rate_view, name="ticket_rate"),
    path("tickets/<int:number>/files/<int:attachment_id>/", views.attachment_view, name="attachment"),
    path("profile/", views.profile_view, name="profile"),
    path("rate/<str:token>/", views.rate_view, name="rate"),
    path("form/", views.web_form_view, name="web_form"),
    path("invite/<int:contact_id>/", views.invite_view, name="invite"),
]
