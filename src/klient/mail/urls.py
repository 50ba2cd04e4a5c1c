from django.urls import path

from klient.mail import views

app_name = "mail"

urlpatterns = [
    path("", views.outbox_view, name="outbox"),
    path("companies/<int:pk>/send/", views.send_view, name="send"),
    path("mailings/", views.mailing_list_view, name="mailing_list"),
    path("mailings/new/", views.mailing_new_view, name="mailing_new"),
    path("mailings/<int:pk>/", views.mailing_detail_view, name="mailing_detail"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
