"""The mail templates every installation starts with, in its six languages (editable in the admin)."""

from typing import Any

from django.db import migrations

NAME = "{{ contact.first_name|default:contact.last_name }}"
SIGNATURE = "{{ sender.get_full_name|default:sender.username }}\n{{ sender.email }}"

# code: (name, purpose, {language: (subject, body)})
TEMPLATES: dict[str, tuple[str, str, dict[str, tuple[str, str]]]] = {
    "proposal": (
        "Commercial proposal",
        "proposal",
        {
            "en": (
                "A proposal for {{ company.name }}",
                f"Dear {NAME},\n\n"
                "Thank you for your interest in working with us. I have prepared a proposal for "
                "{{ company.name }} with our current range, prices and delivery terms.\n\n"
                "I would be glad to go through it with you and adapt it to your needs. "
                "Just reply to this message or call me at a time that suits you.\n\n"
                f"Kind regards,\n{SIGNATURE}",
            ),
            "pl": (
                "Oferta handlowa dla {{ company.name }}",
                f"Szanowna Pani / Szanowny Panie {NAME},\n\n"
                "dziękujemy za zainteresowanie współpracą. Przygotowałem ofertę dla {{ company.name }} "
                "z naszym aktualnym asortymentem, cenami i warunkami dostawy.\n\n"
                "Chętnie omówię ją z Państwem i dopasuję do Państwa potrzeb. Proszę odpowiedzieć na tę "
                "wiadomość lub zadzwonić w dogodnym terminie.\n\n"
                f"Z poważaniem\n{SIGNATURE}",
            ),
            "bs": (
                "Ponuda za {{ company.name }}",
                f"Poštovani/a {NAME},\n\n"
                "zahvaljujemo na interesu za saradnju. Pripremio sam ponudu za {{ company.name }} s našim "
                "aktuelnim asortimanom, cijenama i uslovima isporuke.\n\n"
                "Rado ću je proći s vama i prilagoditi vašim potrebama. Odgovorite na ovu poruku ili me "
                "nazovite kada vam odgovara.\n\n"
                f"Srdačan pozdrav,\n{SIGNATURE}",
            ),
            "hy": (
                "Առաջարկ {{ company.name }}-ի համար",
                f"Հարգելի {NAME},\n\n"
                "Շնորհակալություն մեզ հետ համագործակցելու հետաքրքրության համար։ Ես պատրաստել եմ "
                "առաջարկ {{ company.name }}-ի համար՝ մեր ներկայիս տեսականիով, գներով և առաքման "
                "պայմաններով։\n\n"
                "Սիրով կքննարկեմ այն Ձեզ հետ և կհարմարեցնեմ Ձեր կարիքներին։ Պատասխանեք այս նամակին "
                "կամ զանգահարեք Ձեզ հարմար ժամանակ։\n\n"
                f"Հարգանքով՝\n{SIGNATURE}",
            ),
            "zh-hans": (
                "致{{ company.name }}的商务报价",
                f"尊敬的{NAME}：\n\n"
                "感谢您对与我们合作的关注。我已为{{ company.name }}准备了一份报价，包括我们目前的产品、"
                "价格和交货条件。\n\n"
                "我很乐意与您详细沟通，并根据您的需求进行调整。请直接回复此邮件，或在您方便时致电我。\n\n"
                f"此致敬礼\n{SIGNATURE}",
            ),
            "ru": (
                "Коммерческое предложение для {{ company.name }}",
                f"Уважаемый(ая) {NAME}!\n\n"
                "Благодарим вас за интерес к сотрудничеству. Я подготовил коммерческое предложение для "
                "{{ company.name }} с нашим актуальным ассортиментом, ценами и условиями поставки.\n\n"
                "Буду рад обсудить его с вами и адаптировать под ваши задачи. Просто ответьте на это письмо "
                "или позвоните мне в удобное время.\n\n"
                f"С уважением,\n{SIGNATURE}",
            ),
        },
    ),
    "birthday": (
        "Birthday greeting",
        "greeting",
        {
            "en": (
                "Happy birthday, {{ contact.first_name|default:contact.last_name }}!",
                f"Dear {NAME},\n\n"
                "On behalf of our whole team, happy birthday! We wish you good health, success and many "
                "reasons to smile in the year ahead. Thank you for working with us.\n\n"
                f"Best wishes,\n{SIGNATURE}",
            ),
            "pl": (
                "Wszystkiego najlepszego z okazji urodzin!",
                f"Szanowna Pani / Szanowny Panie {NAME},\n\n"
                "w imieniu całego zespołu składamy najserdeczniejsze życzenia urodzinowe: zdrowia, "
                "sukcesów i wielu powodów do radości w nadchodzącym roku. Dziękujemy za współpracę.\n\n"
                f"Z wyrazami szacunku\n{SIGNATURE}",
            ),
            "bs": (
                "Sretan rođendan!",
                f"Poštovani/a {NAME},\n\n"
                "u ime cijelog našeg tima želimo vam sretan rođendan! Želimo vam dobro zdravlje, uspjeh i "
                "mnogo razloga za osmijeh u narednoj godini. Hvala vam na saradnji.\n\n"
                f"Srdačno,\n{SIGNATURE}",
            ),
            "hy": (
                "Շնորհավոր ծննդյան օրը",
                f"Հարգելի {NAME},\n\n"
                "Մեր ամբողջ թիմի անունից շնորհավորում ենք Ձեր ծննդյան օրվա կապակցությամբ։ Մաղթում ենք "
                "առողջություն, հաջողություն և շատ ուրախ առիթներ գալիք տարում։ Շնորհակալություն "
                "համագործակցության համար։\n\n"
                f"Լավագույն մաղթանքներով՝\n{SIGNATURE}",
            ),
            "zh-hans": (
                "祝您生日快乐！",
                f"尊敬的{NAME}：\n\n"
                "我们全体同仁祝您生日快乐！祝您在新的一岁身体健康、事业顺利、生活美满。感谢您一直以来的合作与支持。\n\n"
                f"谨致问候\n{SIGNATURE}",
            ),
            "ru": (
                "С днём рождения!",
                f"Уважаемый(ая) {NAME}!\n\n"
                "От имени всей нашей команды поздравляем вас с днём рождения! Желаем крепкого здоровья, "
                "успехов и побольше поводов для радости в новом году жизни. Спасибо за сотрудничество.\n\n"
                f"С наилучшими пожеланиями,\n{SIGNATURE}",
            ),
        },
    ),
    "holiday": (
        "Holiday greeting",
        "greeting",
        {
            "en": (
                "Best wishes on {{ occasion }}",
                f"Dear {NAME},\n\n"
                "Please accept our warmest congratulations on {{ occasion }}. We wish you and your "
                "colleagues at {{ company.name }} success, prosperity and all the best.\n\n"
                f"Kind regards,\n{SIGNATURE}",
            ),
            "pl": (
                "Najlepsze życzenia z okazji: {{ occasion }}",
                f"Szanowna Pani / Szanowny Panie {NAME},\n\n"
                "z okazji święta – {{ occasion }} – składamy najserdeczniejsze życzenia. Pani/Panu oraz "
                "całemu zespołowi {{ company.name }} życzymy sukcesów, pomyślności i wszystkiego "
                "najlepszego.\n\n"
                f"Z poważaniem\n{SIGNATURE}",
            ),
            "bs": (
                "Čestitka povodom praznika: {{ occasion }}",
                f"Poštovani/a {NAME},\n\n"
                "primite naše iskrene čestitke povodom praznika {{ occasion }}. Vama i vašim kolegama u "
                "{{ company.name }} želimo uspjeh, blagostanje i sve najbolje.\n\n"
                f"Srdačan pozdrav,\n{SIGNATURE}",
            ),
            "hy": (
                "Շնորհավորանք՝ {{ occasion }}",
                f"Հարգելի {NAME},\n\n"
                "Ընդունեք մեր ջերմ շնորհավորանքները {{ occasion }}-ի առթիվ։ Ձեզ և {{ company.name }}-ի "
                "Ձեր գործընկերներին մաղթում ենք հաջողություն, բարգավաճում և ամենայն բարիք։\n\n"
                f"Հարգանքով՝\n{SIGNATURE}",
            ),
            "zh-hans": (
                "{{ occasion }}快乐",
                f"尊敬的{NAME}：\n\n"
                "值此{{ occasion }}之际，谨向您致以最诚挚的祝贺。祝您和{{ company.name }}的各位同事事业兴旺、万事如意。\n\n"
                f"此致敬礼\n{SIGNATURE}",
            ),
            "ru": (
                "Поздравляем: {{ occasion }}",
                f"Уважаемый(ая) {NAME}!\n\n"
                "Примите наши искренние поздравления с праздником – {{ occasion }}. Желаем вам и вашим "
                "коллегам в {{ company.name }} успехов, процветания и всего самого доброго.\n\n"
                f"С уважением,\n{SIGNATURE}",
            ),
        },
    ),
    "invitation": (
        "Event invitation",
        "invitation",
        {
            "en": (
                "Invitation: {{ event.name }}",
                f"Dear {NAME},\n\n"
                "We are pleased to invite you to {{ event.name }}.\n\n"
                "When: {{ event.starts_at }}\nWhere: {{ event.place }}\n\n"
                "Please let us know whether you can come:\n"
                "I will attend: {{ accept_url }}\nI cannot attend: {{ decline_url }}\n\n"
                f"We look forward to seeing you.\n{SIGNATURE}",
            ),
            "pl": (
                "Zaproszenie: {{ event.name }}",
                f"Szanowna Pani / Szanowny Panie {NAME},\n\n"
                "mamy przyjemność zaprosić Panią/Pana na wydarzenie {{ event.name }}.\n\n"
                "Kiedy: {{ event.starts_at }}\nGdzie: {{ event.place }}\n\n"
                "Prosimy o potwierdzenie udziału:\n"
                "Wezmę udział: {{ accept_url }}\nNie mogę wziąć udziału: {{ decline_url }}\n\n"
                f"Do zobaczenia!\n{SIGNATURE}",
            ),
            "bs": (
                "Pozivnica: {{ event.name }}",
                f"Poštovani/a {NAME},\n\n"
                "zadovoljstvo nam je pozvati vas na događaj {{ event.name }}.\n\n"
                "Kada: {{ event.starts_at }}\nGdje: {{ event.place }}\n\n"
                "Molimo vas da nam javite hoćete li doći:\n"
                "Dolazim: {{ accept_url }}\nNe mogu doći: {{ decline_url }}\n\n"
                f"Radujemo se vašem dolasku.\n{SIGNATURE}",
            ),
            "hy": (
                "Հրավեր՝ {{ event.name }}",
                f"Հարգելի {NAME},\n\n"
                "Սիրով հրավիրում ենք Ձեզ {{ event.name }} միջոցառմանը։\n\n"
                "Երբ՝ {{ event.starts_at }}\nՈրտեղ՝ {{ event.place }}\n\n"
                "Խնդրում ենք տեղեկացնել՝ կկարողանա՞ք մասնակցել․\n"
                "Կմասնակցեմ՝ {{ accept_url }}\nՉեմ կարող մասնակցել՝ {{ decline_url }}\n\n"
                f"Սպասում ենք Ձեզ։\n{SIGNATURE}",
            ),
            "zh-hans": (
                "邀请函：{{ event.name }}",
                f"尊敬的{NAME}：\n\n"
                "我们诚挚地邀请您参加{{ event.name }}。\n\n"
                "时间：{{ event.starts_at }}\n地点：{{ event.place }}\n\n"
                "请告知您是否能够出席：\n"
                "我将出席：{{ accept_url }}\n我无法出席：{{ decline_url }}\n\n"
                f"期待您的光临。\n{SIGNATURE}",
            ),
            "ru": (
                "Приглашение: {{ event.name }}",
                f"Уважаемый(ая) {NAME}!\n\n"
                "Рады пригласить вас на мероприятие «{{ event.name }}».\n\n"
                "Когда: {{ event.starts_at }}\nГде: {{ event.place }}\n\n"
                "Пожалуйста, сообщите, сможете ли вы прийти:\n"
                "Приду: {{ accept_url }}\nНе смогу прийти: {{ decline_url }}\n\n"
                f"Будем рады вас видеть.\n{SIGNATURE}",
            ),
        },
    ),
    "meeting": (
        "Meeting invitation",
        "invitation",
        {
            "en": (
                "Meeting: {{ activity.subject }}",
                f"Dear {NAME},\n\n"
                "I would like to confirm our meeting “{{ activity.subject }}” on {{ activity.due_at }}. "
                "The invitation is attached; you can add it to your calendar.\n\n"
                "If the time does not suit you, just reply and we will find another.\n\n"
                f"Kind regards,\n{SIGNATURE}",
            ),
            "pl": (
                "Spotkanie: {{ activity.subject }}",
                f"Szanowna Pani / Szanowny Panie {NAME},\n\n"
                "potwierdzam nasze spotkanie „{{ activity.subject }}” w dniu {{ activity.due_at }}. "
                "Zaproszenie jest w załączniku – można je dodać do kalendarza.\n\n"
                "Jeśli termin nie odpowiada, proszę o odpowiedź, a znajdziemy inny.\n\n"
                f"Z poważaniem\n{SIGNATURE}",
            ),
            "bs": (
                "Sastanak: {{ activity.subject }}",
                f"Poštovani/a {NAME},\n\n"
                "potvrđujem naš sastanak „{{ activity.subject }}” {{ activity.due_at }}. Pozivnica je u "
                "prilogu i možete je dodati u svoj kalendar.\n\n"
                "Ako vam termin ne odgovara, odgovorite na ovu poruku pa ćemo naći drugi.\n\n"
                f"Srdačan pozdrav,\n{SIGNATURE}",
            ),
            "hy": (
                "Հանդիպում՝ {{ activity.subject }}",
                f"Հարգելի {NAME},\n\n"
                "Հաստատում եմ մեր «{{ activity.subject }}» հանդիպումը՝ {{ activity.due_at }}։ Հրավերը "
                "կցված է, այն կարող եք ավելացնել Ձեր օրացույցում։\n\n"
                "Եթե ժամը Ձեզ հարմար չէ, պատասխանեք, և մենք այլ ժամ կգտնենք։\n\n"
                f"Հարգանքով՝\n{SIGNATURE}",
            ),
            "zh-hans": (
                "会议：{{ activity.subject }}",
                f"尊敬的{NAME}：\n\n"
                "特此确认我们的会议“{{ activity.subject }}”，时间为{{ activity.due_at }}。"
                "会议邀请已附上，您可以将其添加到日历中。\n\n"
                "如时间不便，请回复此邮件，我们另行安排。\n\n"
                f"此致敬礼\n{SIGNATURE}",
            ),
            "ru": (
                "Встреча: {{ activity.subject }}",
                f"Уважаемый(ая) {NAME}!\n\n"
                "Подтверждаю нашу встречу «{{ activity.subject }}» {{ activity.due_at }}. Приглашение во "
                "вложении – его можно добавить в календарь.\n\n"
                "Если время вам не подходит, просто ответьте на письмо, и мы подберём другое.\n\n"
                f"С уважением,\n{SIGNATURE}",
            ),
        },
    ),
    "monthly_report": (
        "Monthly report to a manager",
        "other",
        {
            "en": (
                "Monthly activity report: {{ report_user }}, {{ month }}",
                "Hello,\n\nAttached is the monthly activity report of {{ report_user }} for {{ month }}: "
                "calls, proposals, meetings, new contracts and results against the targets.\n\n"
                "This message was sent by Klient.",
            ),
            "pl": (
                "Miesięczny raport aktywności: {{ report_user }}, {{ month }}",
                "Dzień dobry,\n\nw załączniku miesięczny raport aktywności – {{ report_user }}, {{ month }}: "
                "rozmowy, oferty, spotkania, nowe umowy i wyniki wobec celów.\n\n"
                "Wiadomość wysłana przez Klient.",
            ),
            "bs": (
                "Mjesečni izvještaj o aktivnostima: {{ report_user }}, {{ month }}",
                "Zdravo,\n\nu prilogu je mjesečni izvještaj o aktivnostima – {{ report_user }}, {{ month }}: "
                "pozivi, ponude, sastanci, novi ugovori i rezultati u odnosu na ciljeve.\n\n"
                "Ovu poruku je poslao Klient.",
            ),
            "hy": (
                "Ամսական հաշվետվություն՝ {{ report_user }}, {{ month }}",
                "Բարև Ձեզ,\n\nԿցված է {{ report_user }}-ի ամսական գործունեության հաշվետվությունը՝ "
                "{{ month }}․ զանգեր, առաջարկներ, հանդիպումներ, նոր պայմանագրեր և արդյունքներ՝ "
                "նպատակների համեմատ։\n\n"
                "Այս նամակն ուղարկվել է Klient-ից։",
            ),
            "zh-hans": (
                "月度工作报告：{{ report_user }}，{{ month }}",
                "您好：\n\n附件为{{ report_user }}{{ month }}的月度工作报告，包括电话、报价、会议、"
                "新签合同以及目标完成情况。\n\n"
                "此邮件由 Klient 发送。",
            ),
            "ru": (
                "Ежемесячный отчёт о работе: {{ report_user }}, {{ month }}",
                "Здравствуйте!\n\nВо вложении ежемесячный отчёт о работе – {{ report_user }}, {{ month }}: "
                "звонки, коммерческие предложения, встречи, новые договоры и выполнение плана.\n\n"
                "Письмо отправлено из Klient.",
            ),
        },
    ),
}


def add_templates(apps: Any, schema_editor: Any) -> None:
    MailTemplate = apps.get_model("mail", "MailTemplate")
    MailTemplateText = apps.get_model("mail", "MailTemplateText")
    for code, (name, purpose, texts) in TEMPLATES.items():
        template, created = MailTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "purpose": purpose}
        )
        if not created:
            continue
        MailTemplateText.objects.bulk_create(
            MailTemplateText(template=template, language=language, subject=subject, body=body)
            for language, (subject, body) in texts.items()
        )


def remove_templates(apps: Any, schema_editor: Any) -> None:
    apps.get_model("mail", "MailTemplate").objects.filter(code__in=TEMPLATES, mailings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
