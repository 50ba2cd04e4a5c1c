from django.urls import path

from klient.activities.calllists import views

app_name = "calllists"

urlpatterns = [
    path("", views.call_list_list_view, name="list"),
    path("new/", views.call_list_build_view, name="build"),
    path("<int:pk>/", views.call_list_detail_view, name="detail"),
    path("<int:pk>/assign/", views.call_list_assign_view, name="assign"),
    path("<int:pk>/work/", views.call_list_work_view, name="work"),
    path("<int:pk>/entries/<int:entry_pk>/log/", views.entry_log_view, name="entry_log"),
    path("<int:pk>/entries/<int:entry_pk>/skip/", views.entry_skip_view, name="entry_skip"),
    path("<int:pk>/entries/<int:entry_pk>/snooze/", views.entry_snooze_view, name="entry_snooze"),
    path("scripts/", views.script_list_view, name="script_list"),
    path("scripts/<int:pk>/", views.script_detail_view, name="script_detail"),
    path("objections/", views.objection_list_view, name="objection_list"),
    path("objections/report/", views.objection_report_view, name="objection_report"),
]
