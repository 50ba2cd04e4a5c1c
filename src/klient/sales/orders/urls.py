from django.urls import path

from klient.sales.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("new/", views.order_create_view, name="order_create"),
    path("<int:pk>/", views.order_detail_view, name="order_detail"),
    path("rates/<int:company_pk>/", views.rates_send_view, name="rates_send"),
]
