from django.db import migrations


class Migration(migrations.Migration):
    """A contract line's VAT rate is called tax_rate, as on quote and order lines."""

    dependencies = [
        ("contracts", "0001_contracts"),
    ]

    operations = [
        migrations.RenameField(model_name="contractline", old_name="vat_rate", new_name="tax_rate"),
    ]
