from django.urls import path

from klient.activities import views

app_name = "activities"

urlpatterns = [
    path("calls/<int:pk>/", views.call_log_view, name="call_log"),
]
