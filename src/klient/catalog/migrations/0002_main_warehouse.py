"""A fresh installation keeps stock in one warehouse, "main"."""

from django.db import migrations


def add_main(apps, schema_editor):
    Warehouse = apps.get_model("catalog", "Warehouse")
    Warehouse.objects.get_or_create(code="main", defaults={"name": "Main"})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(add_main, migrations.RunPython.noop)]
