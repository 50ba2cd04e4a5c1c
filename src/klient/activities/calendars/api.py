"""The calendars API."""

from ninja import Router

router = Router(tags=["calendars"])
