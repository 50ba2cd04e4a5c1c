"""The customer's side of a quote: /q/<token>/ (no sign-in, no namespace: services reverse `quote_public`)."""

from django.urls import path

from klient.sales.quotes import public_views

urlpatterns = [
    path("<str:token>/", public_views.quote_public_view, name="quote_public"),
    path("<str:token>/pdf/", public_views.quote_public_pdf_view, name="quote_public_pdf"),
    path("<str:token>/answer/", public_views.quote_public_answer_view, name="quote_public_answer"),
]
