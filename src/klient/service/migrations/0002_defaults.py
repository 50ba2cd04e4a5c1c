"""A fresh installation's default queue, business calendar and SLA policy, so mail intake works before
anything is configured."""

from django.db import migrations

WEEKDAY = [["09:00", "17:00"]]
# priority: (first response, next response, resolution) in business minutes
TARGETS = {
    "urgent": (60, 120, 480),
    "high": (120, 240, 960),
    "normal": (240, 480, 2400),
    "low": (480, 960, 4800),
}


def create(apps, schema_editor):
    Calendar = apps.get_model("service", "BusinessCalendar")
    Policy = apps.get_model("service", "SlaPolicy")
    Target = apps.get_model("service", "SlaTarget")
    Queue = apps.get_model("service", "Queue")
    Counter = apps.get_model("service", "TicketCounter")
    if not Calendar.objects.exists():
        Calendar.objects.create(
            name="Standard hours",
            timezone="UTC",
            hours={day: WEEKDAY for day in ("mon", "tue", "wed", "thu", "fri")},
            is_default=True,
        )
    if not Policy.objects.exists():
        policy = Policy.objects.create(
            name="Standard", calendar=Calendar.objects.get(is_default=True), is_default=True, order=1000
        )
        Target.objects.bulk_create(
            Target(
                policy=policy,
                priority=priority,
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
            )
            for priority, (first, following, resolution) in TARGETS.items()
        )
    if not Queue.objects.exists():
        Queue.objects.create(name="Support", is_default=True)
    Counter.objects.get_or_create(name="ticket", defaults={"last": 1000})


class Migration(migrations.Migration):
    dependencies = [("service", "0001_service")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
