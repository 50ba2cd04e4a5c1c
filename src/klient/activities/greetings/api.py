"""The greetings API."""

from ninja import Router

router = Router(tags=["greetings"])
