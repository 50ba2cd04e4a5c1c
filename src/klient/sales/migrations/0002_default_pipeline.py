"""A fresh installation has a default pipeline, named in every language, so deals work before anything is
configured."""

from django.db import migrations

PIPELINE = ("Sales", {"pl": "Sprzedaż", "bs": "Prodaja", "hy": "Վաճառք", "zh-hans": "销售", "ru": "Продажи"})
STAGES = [
    (
        "Qualification",
        10,
        "open",
        {
            "pl": "Kwalifikacja",
            "bs": "Kvalifikacija",
            "hy": "Որակավորում",
            "zh-hans": "资格审查",
            "ru": "Квалификация",
        },
    ),
    (
        "Needs analysis",
        25,
        "open",
        {
            "pl": "Analiza potrzeb",
            "bs": "Analiza potreba",
            "hy": "Կարիքների վերլուծություն",
            "zh-hans": "需求分析",
            "ru": "Анализ потребностей",
        },
    ),
    (
        "Proposal",
        50,
        "open",
        {
            "pl": "Oferta",
            "bs": "Ponuda",
            "hy": "Առաջարկ",
            "zh-hans": "报价",
            "ru": "Коммерческое предложение",
        },
    ),
    (
        "Negotiation",
        75,
        "open",
        {
            "pl": "Negocjacje",
            "bs": "Pregovori",
            "hy": "Բանակցություններ",
            "zh-hans": "谈判",
            "ru": "Переговоры",
        },
    ),
    (
        "Won",
        100,
        "won",
        {"pl": "Wygrana", "bs": "Dobijeno", "hy": "Շահված", "zh-hans": "赢单", "ru": "Выиграна"},
    ),
    (
        "Lost",
        0,
        "lost",
        {"pl": "Przegrana", "bs": "Izgubljeno", "hy": "Կորցված", "zh-hans": "丢单", "ru": "Проиграна"},
    ),
]


def create(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.exists():
        return
    name, names = PIPELINE
    pipeline = Pipeline.objects.create(name=name, names=names, is_default=True)
    for position, (stage_name, probability, kind, stage_names) in enumerate(STAGES):
        Stage.objects.create(
            pipeline=pipeline,
            name=stage_name,
            names=stage_names,
            position=position,
            probability=probability,
            kind=kind,
        )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_deals")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
