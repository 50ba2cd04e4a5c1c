"""Demo call lists: for each demo telesales rep and account manager, one list of their own demo prospects
with the demo call script. Loaded once: nothing is made when the demo script exists already."""

from __future__ import annotations

from django.db import transaction

from klient.activities.calllists.models import CallScript, CallScriptStep
from klient.activities.calllists.services import call_list_build
from klient.core.models import Role, User
from klient.customers.demo import EXTERNAL_ID_PREFIX
from klient.customers.filters import CompanyFilter
from klient.customers.models import Company

DEMO_SCRIPT = "Demo: prospect call"
DEMO_STEPS = [
    ("Greeting", "Say who you are and why you call, in one sentence. Ask whether now is a good time."),
    ("Needs", "Ask what they buy, from whom, and what they would improve."),
    ("Offer", "Present the one product that fits what you heard; name the price and the delivery time."),
    ("Close", "Agree the next step: an offer by email, a meeting, or a trial order. Say when you call back."),
]
DEMO_ENTRIES = 25


@transaction.atomic
def calllists_demo_load() -> int:
    """One call list (with the demo script) for each demo telesales rep and account manager, of their own
    demo prospects; returns how many lists were made (0 when the demo was loaded before)."""
    if CallScript.objects.filter(name=DEMO_SCRIPT).exists():
        return 0
    script = CallScript.objects.create(
        name=DEMO_SCRIPT, description="A short call to a prospect: greet, find the need, offer, close."
    )
    CallScriptStep.objects.bulk_create(
        CallScriptStep(script=script, position=index, title=title, prompt=prompt)
        for index, (title, prompt) in enumerate(DEMO_STEPS, start=1)
    )
    count = 0
    reps = User.objects.filter(role__in=[Role.TELESALES, Role.ACCOUNT_MANAGER], is_active=True).order_by("pk")
    for rep in reps:
        own = Company.objects.filter(owner=rep, external_id__startswith=EXTERNAL_ID_PREFIX, status="prospect")
        ids = list(own.order_by("name", "pk").values_list("pk", flat=True)[:DEMO_ENTRIES])
        if not ids:
            continue
        call_list_build(
            actor=rep,
            name=f"Prospects — {rep}",
            company_filter=CompanyFilter(ids=ids, sort="name"),
            script=script,
        )
        count += 1
    return count
