from django.urls import path

from klient.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list_view, name="product_list"),
    path("new/", views.product_create_view, name="product_create"),
    path("<int:pk>/edit/", views.product_edit_view, name="product_edit"),
    path("price-lists/", views.price_list_list_view, name="price_list_list"),
    path("price-lists/<int:pk>/", views.price_list_detail_view, name="price_list_detail"),
    path("<int:pk>/", views.product_detail_view, name="product_detail"),
    path("<int:pk>/stock/", views.stock_set_view, name="stock_set"),
    path("logistics/", views.logistics_request_list_view, name="logistics_request_list"),
    path("logistics/new/", views.logistics_request_create_view, name="logistics_request_create"),
    path("logistics/<int:pk>/answer/", views.logistics_request_answer_view, name="logistics_request_answer"),
    path("restock-notices/new/", views.restock_notice_create_view, name="restock_notice_create"),
    path("companies/<int:company_pk>/prices/", views.customer_price_set_view, name="customer_price_set"),
    path(
        "companies/<int:company_pk>/prices/<int:product_pk>/delete/",
        views.customer_price_delete_view,
        name="customer_price_delete",
    ),
]
