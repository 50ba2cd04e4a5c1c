"""The service desk's pages: tickets and queues. (The pages themselves come with the tickets UI work.)"""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path


def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    raise Http404


urlpatterns: list[URLPattern] = [path("tickets/<int:number>/", ticket_detail, name="ticket")]
