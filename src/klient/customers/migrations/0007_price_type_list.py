"""A company's price type becomes a price list (it was a name): every name in use becomes, or finds, the
price list of that name (ignoring case), in the company's document currency or the base currency."""

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


def names_to_lists(apps, schema_editor):
    Company = apps.get_model("customers", "Company")
    PriceList = apps.get_model("catalog", "PriceList")
    lists = {price_list.name.casefold(): price_list for price_list in PriceList.objects.order_by("id")}
    pairs = (
        Company.objects.exclude(price_type_name="")
        .values_list("price_type_name", "document_currency")
        .distinct()
        .order_by("price_type_name", "document_currency")
    )
    for name, currency in pairs:
        key = name.strip().casefold()
        if key not in lists:
            lists[key] = PriceList.objects.create(
                name=name.strip(), currency=currency or settings.BASE_CURRENCY
            )
    for name in (
        Company.objects.exclude(price_type_name="").values_list("price_type_name", flat=True).distinct()
    ):
        Company.objects.filter(price_type_name=name).update(price_type=lists[name.strip().casefold()])


def lists_to_names(apps, schema_editor):
    Company = apps.get_model("customers", "Company")
    for company in Company.objects.filter(price_type__isnull=False).select_related("price_type"):
        Company.objects.filter(pk=company.pk).update(price_type_name=company.price_type.name[:50])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_main_warehouse"),
        ("customers", "0006_last_call"),
    ]

    operations = [
        migrations.RenameField(model_name="company", old_name="price_type", new_name="price_type_name"),
        migrations.AddField(
            model_name="company",
            name="price_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="companies",
                to="catalog.pricelist",
                verbose_name="price type",
            ),
        ),
        migrations.RunPython(names_to_lists, lists_to_names),
        migrations.RemoveField(model_name="company", name="price_type_name"),
    ]
