from django.urls import path

from klient.sales import views

app_name = "sales"

urlpatterns = [
    path("", views.deal_board_view, name="deal_board"),
    path("list/", views.deal_list_view, name="deal_list"),
    path("forecast/", views.deal_forecast_view, name="deal_forecast"),
    path("win-loss/", views.win_loss_view, name="win_loss"),
    path("new/", views.deal_create_view, name="deal_create"),
    path("<int:pk>/", views.deal_detail_view, name="deal_detail"),
    path("<int:pk>/edit/", views.deal_edit_view, name="deal_edit"),
    path("<int:pk>/move/", views.deal_move_view, name="deal_move"),
]
