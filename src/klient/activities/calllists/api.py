"""The calllists API."""

from ninja import Router

router = Router(tags=["calllists"])
