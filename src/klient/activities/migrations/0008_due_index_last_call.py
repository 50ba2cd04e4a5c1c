from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def set_last_calls(apps, schema_editor):
    """Each company's last call from the calls recorded before the field existed."""
    Activity = apps.get_model("activities", "Activity")
    Company = apps.get_model("customers", "Company")
    calls = Activity.objects.filter(company_id=OuterRef("pk"), kind="call", done_at__isnull=False).order_by(
        "-at", "-id"
    )
    Company.objects.filter(pk__in=calls.values("company_id")).update(
        last_call_at=Subquery(calls.values("at")[:1]),
        last_call_outcome=Subquery(calls.values("outcome__code")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0007_default_targets"),
        ("customers", "0006_last_call"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True), ("due_at__isnull", False)),
                fields=["owner", "at", "id"],
                include=("kind", "company"),
                name="activity_due",
            ),
        ),
        migrations.RunPython(set_last_calls, migrations.RunPython.noop),
    ]
