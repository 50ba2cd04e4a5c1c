from django.urls import path

from klient.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list_view, name="product_list"),
    path("<int:pk>/", views.product_detail_view, name="product_detail"),
    path("<int:pk>/stock/", views.stock_set_view, name="stock_set"),
]
