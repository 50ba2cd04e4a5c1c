from django.urls import path

from klient.sales.competitors import views

app_name = "competitors"

urlpatterns = [
    path("", views.competitor_list_view, name="competitor_list"),
    path("new/", views.competitor_create_view, name="competitor_create"),
    path("<int:pk>/", views.competitor_detail_view, name="competitor_detail"),
    path("<int:pk>/edit/", views.competitor_edit_view, name="competitor_edit"),
    path("companies/<int:company_pk>/supplies/", views.supply_create_view, name="supply_create"),
    path("supplies/<int:pk>/edit/", views.supply_edit_view, name="supply_edit"),
    path("supplies/<int:pk>/delete/", views.supply_delete_view, name="supply_delete"),
]
