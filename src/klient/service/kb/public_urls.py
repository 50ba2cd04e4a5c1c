"""The public help pages (no sign-in): /help/, /help/<slug>/ and its vote."""

from django.urls import path

from klient.service.kb import views

app_name = "kb_public"

urlpatterns = [
    path("", views.help_home_view, name="home"),
    path("<slug:slug>/", views.help_article_view, name="article"),
    path("<slug:slug>/vote/", views.help_vote_view, name="vote"),
]
