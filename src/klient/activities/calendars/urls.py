from django.urls import path

from klient.activities.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_view, name="calendar"),
    path("feed/<str:token>.ics", views.feed_view, name="feed"),
    path("feed/revoke/", views.feed_revoke_view, name="feed_revoke"),
    path("meetings/<int:pk>/invitation/", views.meeting_invitation_view, name="meeting_invitation"),
]
