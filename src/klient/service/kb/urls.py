from django.urls import path

from klient.service.kb import views

app_name = "kb"

urlpatterns = [
    path("", views.article_list_view, name="article_list"),
    path("new/", views.article_create_view, name="article_create"),
    path("categories/", views.category_list_view, name="category_list"),
    path("categories/<int:pk>/", views.category_edit_view, name="category_edit"),
    path("<int:pk>/", views.article_detail_view, name="article_detail"),
    path("<int:pk>/settings/", views.article_settings_view, name="article_settings"),
    path("<int:pk>/status/", views.article_status_view, name="article_status"),
    path("<int:pk>/edit/<str:language>/", views.translation_edit_view, name="translation_edit"),
    path("<int:pk>/versions/<str:language>/", views.version_list_view, name="version_list"),
    path("<int:pk>/versions/<str:language>/restore/", views.version_restore_view, name="version_restore"),
]
