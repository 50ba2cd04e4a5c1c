"""The mail API."""

from ninja import Router

router = Router(tags=["mail"])
