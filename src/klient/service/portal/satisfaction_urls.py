"""The service desk's satisfaction results at /service/satisfaction/ (namespace "satisfaction")."""

from django.urls import path

from klient.service.portal import views

app_name = "satisfaction"

urlpatterns = [path("", views.satisfaction_view, name="summary")]
