"""The professional holidays a fresh installation knows; administrators and managers change them after."""

from django.db import migrations

FIXED = "fixed"
NTH = "nth_weekday"
LAST = -1
FRIDAY, SATURDAY, SUNDAY = 4, 5, 6

# code, country ("" = every country), industries, rule, month, day, week, weekday,
# names: en, pl, bs, hy, zh-hans, ru.
HOLIDAYS = [
    (
        "international-accountants-day", "", ["Accounting", "Finance", "Audit"], FIXED, 11, 10, None, None,
        ("International Accountants Day", "Międzynarodowy Dzień Księgowego", "Međunarodni dan računovođa",
         "Հաշվապահների միջազգային օր", "国际会计师日", "Международный день бухгалтера"),
    ),
    (
        "sysadmin-day", "", ["IT"], NTH, 7, None, LAST, FRIDAY,
        ("System Administrator Appreciation Day", "Dzień Administratora Systemów",
         "Dan sistemskih administratora", "Համակարգային ադմինիստրատորի օր", "系统管理员日",
         "День системного администратора"),
    ),
    (
        "world-food-day", "", ["Food"], FIXED, 10, 16, None, None,
        ("World Food Day", "Światowy Dzień Żywności", "Svjetski dan hrane", "Սննդի համաշխարհային օր",
         "世界粮食日", "Всемирный день продовольствия"),
    ),
    (
        "world-engineering-day", "", ["Manufacturing", "Energy"], FIXED, 3, 4, None, None,
        ("World Engineering Day", "Światowy Dzień Inżynierii", "Svjetski dan inženjerstva",
         "Ինժեներիայի համաշխարհային օր", "世界工程日", "Всемирный день инженерии"),
    ),
    (
        "ru-accountants-day", "RU", ["Accounting", "Finance", "Audit"], FIXED, 11, 21, None, None,
        ("Accountant's Day", "Dzień Księgowego", "Dan računovođa", "Հաշվապահի օր", "会计日", "День бухгалтера"),
    ),
    (
        "ru-builders-day", "RU", ["Construction"], NTH, 8, None, 2, SUNDAY,
        ("Builder's Day", "Dzień Budowlańca", "Dan građevinara", "Շինարարի օր", "建筑工人节", "День строителя"),
    ),
    (
        "ru-teachers-day", "RU", ["Education"], FIXED, 10, 5, None, None,
        ("Teacher's Day", "Dzień Nauczyciela", "Dan učitelja", "Ուսուցչի օր", "教师节", "День учителя"),
    ),
    (
        "ru-power-engineers-day", "RU", ["Energy"], FIXED, 12, 22, None, None,
        ("Power Engineer's Day", "Dzień Energetyka", "Dan energetičara", "Էներգետիկի օր", "电力工作者节",
         "День энергетика"),
    ),
    (
        "ru-trade-workers-day", "RU", ["Retail", "Wholesale"], NTH, 7, None, 4, SATURDAY,
        ("Trade Workers' Day", "Dzień Pracowników Handlu", "Dan radnika u trgovini",
         "Առևտրի աշխատողների օր", "商业工作者节", "День работников торговли"),
    ),
    (
        "ru-food-industry-day", "RU", ["Food"], NTH, 10, None, 3, SUNDAY,
        ("Food Industry Workers' Day", "Dzień Pracowników Przemysłu Spożywczego",
         "Dan radnika prehrambene industrije", "Սննդի արդյունաբերության աշխատողների օր", "食品工业工作者节",
         "День работников пищевой промышленности"),
    ),
    (
        "ru-machine-builders-day", "RU", ["Manufacturing"], NTH, 9, None, LAST, SUNDAY,
        ("Machine Builder's Day", "Dzień Pracowników Przemysłu Maszynowego", "Dan mašinogradnje",
         "Մեքենաշինողի օր", "机械制造工作者节", "День машиностроителя"),
    ),
    (
        "ru-motor-transport-day", "RU", ["Logistics"], NTH, 10, None, LAST, SUNDAY,
        ("Motor Transport Workers' Day", "Dzień Pracowników Transportu Samochodowego",
         "Dan radnika drumskog saobraćaja", "Ավտոմոբիլային տրանսպորտի աշխատողների օր", "汽车运输工作者节",
         "День работников автомобильного транспорта"),
    ),
    (
        "pl-national-education-day", "PL", ["Education"], FIXED, 10, 14, None, None,
        ("National Education Day", "Dzień Edukacji Narodowej", "Dan nacionalnog obrazovanja",
         "Ազգային կրթության օր", "国民教育日", "День национального образования"),
    ),
    (
        "pl-builders-day", "PL", ["Construction"], FIXED, 8, 26, None, None,
        ("Builders' Day", "Dzień Budowlańca", "Dan građevinara", "Շինարարի օր", "建筑工人节", "День строителя"),
    ),
    (
        "pl-power-engineers-day", "PL", ["Energy"], FIXED, 8, 14, None, None,
        ("Power Engineers' Day", "Dzień Energetyka", "Dan energetičara", "Էներգետիկի օր", "电力工作者节",
         "День энергетика"),
    ),
    (
        "cn-teachers-day", "CN", ["Education"], FIXED, 9, 10, None, None,
        ("Teachers' Day", "Dzień Nauczyciela", "Dan učitelja", "Ուսուցչի օր", "教师节", "День учителя"),
    ),
    (
        "am-teachers-day", "AM", ["Education"], NTH, 10, None, 1, SUNDAY,
        ("Teachers' Day", "Dzień Nauczyciela", "Dan učitelja", "Ուսուցչի օր", "教师节", "День учителя"),
    ),
]


def add_holidays(apps, schema_editor):
    ProfessionalHoliday = apps.get_model("greetings", "ProfessionalHoliday")
    for code, country, industries, rule, month, day, week, weekday, names in HOLIDAYS:
        en, pl, bs, hy, zh_hans, ru = names
        ProfessionalHoliday.objects.update_or_create(
            code=code,
            defaults={
                "country": country,
                "industries": industries,
                "rule": rule,
                "month": month,
                "day": day,
                "week": week,
                "weekday": weekday,
                "name": en,
                "name_pl": pl,
                "name_bs": bs,
                "name_hy": hy,
                "name_zh_hans": zh_hans,
                "name_ru": ru,
            },
        )


def remove_holidays(apps, schema_editor):
    ProfessionalHoliday = apps.get_model("greetings", "ProfessionalHoliday")
    ProfessionalHoliday.objects.filter(code__in=[row[0] for row in HOLIDAYS]).delete()


class Migration(migrations.Migration):
    dependencies = [("greetings", "0001_initial")]

    operations = [migrations.RunPython(add_holidays, remove_holidays)]
