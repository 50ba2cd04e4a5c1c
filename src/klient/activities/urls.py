from django.urls import path

from klient.activities import views

app_name = "activities"

urlpatterns = [
    path("calls/<int:pk>/", views.call_log_view, name="call_log"),
    path("my-day/", views.my_day_view, name="my_day"),
    path("my-day/progress/", views.my_progress_view, name="my_progress"),
    path("targets/", views.target_board_view, name="target_board"),
    path("targets/history/", views.target_history_view, name="target_history"),
]
