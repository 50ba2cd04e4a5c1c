from django.urls import path

from klient.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list_view, name="subscription_list"),
    path("new/", views.subscription_create_view, name="subscription_create"),
    path("<int:pk>/", views.subscription_detail_view, name="subscription_detail"),
    path("<int:pk>/edit/", views.subscription_edit_view, name="subscription_edit"),
    path("<int:pk>/active/", views.subscription_active_view, name="subscription_active"),
    path("<int:pk>/delete/", views.subscription_delete_view, name="subscription_delete"),
    path("<int:pk>/ping/", views.subscription_ping_view, name="subscription_ping"),
    path("deliveries/<int:pk>/redeliver/", views.delivery_redeliver_view, name="delivery_redeliver"),
]
