from django.urls import path

from klient.activities.greetings import views

app_name = "greetings"

urlpatterns = [
    path("", views.greeting_list_view, name="greeting_list"),
    path("send/<int:contact_id>/<slug:code>/<int:year>/", views.greeting_send_view, name="greeting_send"),
    path("holidays/", views.holiday_list_view, name="holiday_list"),
    path("holidays/new/", views.holiday_create_view, name="holiday_create"),
    path("holidays/<int:pk>/edit/", views.holiday_edit_view, name="holiday_edit"),
    path("events/", views.event_list_view, name="event_list"),
    path("events/<int:pk>/", views.event_detail_view, name="event_detail"),
    path("events/<int:pk>/invite/", views.event_invite_view, name="event_invite"),
    path("invitations/<int:pk>/answer/", views.invitation_answer_view, name="invitation_answer"),
    path("reply/<str:token>/<slug:answer>/", views.invitation_reply_view, name="invitation_reply"),
]
