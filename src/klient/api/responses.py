"""Answers written without a second pass through their schema."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder


def page_response(page: dict[str, Any]) -> HttpResponse:
    """A list page as JSON, encoded as the API encodes every answer, but not validated against the
    endpoint's page schema again: the items come from the resources' *_out functions, which already
    give each field the schema's type. Validating 50 items field by field took a quarter of a list
    request's time. tests/api/test_page_responses.py checks that validation would change nothing."""
    return HttpResponse(
        json.dumps(page, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )
