from django.urls import path

from klient.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_index_view, name="index"),
    path("calls/", views.call_analysis_view, name="calls"),
    path("calls/export.csv", views.call_analysis_csv_view, name="calls_csv"),
    path("calls/export.xlsx", views.call_analysis_xlsx_view, name="calls_xlsx"),
    path("monthly/", views.monthly_list_view, name="monthly_list"),
    path("monthly/<int:pk>/", views.monthly_detail_view, name="monthly_detail"),
    path("monthly/<int:pk>/pdf/", views.monthly_pdf_view, name="monthly_pdf"),
]
