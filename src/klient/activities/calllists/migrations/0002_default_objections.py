"""The objection library a fresh installation starts with: five objections telesales hear every day, each
with recommended answers in the six languages of the product. Administrators change or retire them."""

from django.db import migrations

# code: (names by language, [answers, each by language])
DEFAULT_OBJECTIONS = {
    "too_expensive": (
        {
            "en": "It is too expensive",
            "pl": "To za drogo",
            "bs": "To je preskupo",
            "hy": "Դա չափազանց թանկ է",
            "zh-hans": "太贵了",
            "ru": "Это слишком дорого",
        },
        [
            {
                "en": "I understand. Compared with what? Let us look at the total cost over a year, with "
                "delivery and service included — that is where we usually come out ahead.",
                "pl": "Rozumiem. W porównaniu z czym? Spójrzmy na całkowity koszt w skali roku, z dostawą "
                "i serwisem — tu zwykle wypadamy korzystniej.",
                "bs": "Razumijem. U poređenju s čim? Pogledajmo ukupni trošak na godišnjem nivou, s "
                "isporukom i servisom — tu obično izlazimo povoljnije.",
                "hy": "Հասկանում եմ։ Ինչի՞ համեմատ։ Եկեք նայենք տարեկան ընդհանուր ծախսին՝ առաքումով և "
                "սպասարկումով հանդերձ․ այստեղ մենք սովորաբար ավելի շահավետ ենք։",
                "zh-hans": "我理解。和什么相比呢？我们来看看一年的总成本，包括送货和服务——通常我们在这方面更有优势。",
                "ru": "Понимаю. По сравнению с чем? Давайте посмотрим на полную стоимость за год, с "
                "доставкой и обслуживанием, — здесь мы обычно выгоднее.",
            },
            {
                "en": "We can start with a smaller first order at the same unit price, so you can test "
                "the quality without a big commitment.",
                "pl": "Możemy zacząć od mniejszego pierwszego zamówienia w tej samej cenie jednostkowej, "
                "żeby mógł Pan sprawdzić jakość bez dużego zobowiązania.",
                "bs": "Možemo početi s manjom prvom narudžbom po istoj jediničnoj cijeni, pa kvalitet "
                "možete provjeriti bez velike obaveze.",
                "hy": "Կարող ենք սկսել ավելի փոքր առաջին պատվերից՝ նույն միավորի գնով, որպեսզի "
                "որակը ստուգեք առանց մեծ պարտավորության։",
                "zh-hans": "我们可以先从较小的首单开始，单价不变，这样您无需大的投入就能检验质量。",
                "ru": "Можно начать с небольшого первого заказа по той же цене за единицу — вы проверите "
                "качество без больших обязательств.",
            },
        ],
    ),
    "has_supplier": (
        {
            "en": "We already have a supplier",
            "pl": "Mamy już dostawcę",
            "bs": "Već imamo dobavljača",
            "hy": "Մենք արդեն մատակարար ունենք",
            "zh-hans": "我们已经有供应商了",
            "ru": "У нас уже есть поставщик",
        },
        [
            {
                "en": "That is good to hear — most of our customers had one too. Many keep us as a second "
                "supplier for urgent orders. What would you improve about your current deliveries?",
                "pl": "To dobrze — większość naszych klientów też miała. Wielu trzyma nas jako drugiego "
                "dostawcę na pilne zamówienia. Co poprawiłby Pan w obecnych dostawach?",
                "bs": "Drago mi je to čuti — većina naših kupaca ga je također imala. Mnogi nas drže kao "
                "drugog dobavljača za hitne narudžbe. Šta biste poboljšali u sadašnjim isporukama?",
                "hy": "Լավ է — մեր հաճախորդների մեծ մասը նույնպես ուներ։ Շատերը մեզ պահում են որպես "
                "երկրորդ մատակարար՝ շտապ պատվերների համար։ Ի՞նչը կբարելավեիք ներկայիս առաքումներում։",
                "zh-hans": "很好——我们的大多数客户原来也有。很多客户把我们作为紧急订单的第二供应商。您觉得目前的供货有哪些可以改进？",
                "ru": "Это хорошо — у большинства наших клиентов он тоже был. Многие держат нас вторым "
                "поставщиком для срочных заказов. Что бы вы улучшили в нынешних поставках?",
            },
        ],
    ),
    "send_email": (
        {
            "en": "Send me an email",
            "pl": "Proszę wysłać maila",
            "bs": "Pošaljite mi e-mail",
            "hy": "Ուղարկեք ինձ էլ. նամակ",
            "zh-hans": "给我发封邮件吧",
            "ru": "Пришлите на почту",
        },
        [
            {
                "en": "Gladly. So that I send what is useful to you: which products do you buy most, and "
                "when could we talk about it for five minutes after you have read it?",
                "pl": "Chętnie. Żeby wysłać to, co się Panu przyda: jakie produkty kupujecie najczęściej "
                "i kiedy możemy porozmawiać pięć minut, gdy już Pan przeczyta?",
                "bs": "Rado. Da pošaljem ono što vam koristi: koje proizvode najčešće kupujete i kada "
                "možemo pet minuta razgovarati nakon što pročitate?",
                "hy": "Սիրով։ Որպեսզի ուղարկեմ այն, ինչ ձեզ օգտակար է՝ ո՞ր ապրանքներն եք ամենից հաճախ "
                "գնում, և ե՞րբ կարող ենք հինգ րոպե խոսել, երբ կարդաք։",
                "zh-hans": "好的。为了发给您有用的资料：您最常采购哪些产品？您看完后我们什么时候可以聊五分钟？",
                "ru": "С удовольствием. Чтобы прислать то, что вам пригодится: какие товары вы берёте чаще "
                "всего и когда мы сможем поговорить пять минут, после того как вы прочитаете?",
            },
        ],
    ),
    "no_time": (
        {
            "en": "I have no time now",
            "pl": "Nie mam teraz czasu",
            "bs": "Sada nemam vremena",
            "hy": "Հիմա ժամանակ չունեմ",
            "zh-hans": "我现在没时间",
            "ru": "Сейчас нет времени",
        },
        [
            {
                "en": "Of course. When is a better time — tomorrow morning or in the afternoon? It will "
                "take five minutes.",
                "pl": "Oczywiście. Kiedy będzie lepiej — jutro rano czy po południu? To zajmie pięć minut.",
                "bs": "Naravno. Kada vam više odgovara — sutra ujutro ili poslijepodne? Trajat će pet minuta.",
                "hy": "Իհարկե։ Ե՞րբ է ավելի հարմար՝ վաղը առավոտյա՞ն, թե՞ կեսօրից հետո։ Կտևի հինգ րոպե։",
                "zh-hans": "当然。什么时候更方便——明天上午还是下午？只需要五分钟。",
                "ru": "Конечно. Когда удобнее — завтра утром или после обеда? Это займёт пять минут.",
            },
        ],
    ),
    "no_budget": (
        {
            "en": "We have no budget for this",
            "pl": "Nie mamy na to budżetu",
            "bs": "Nemamo budžet za to",
            "hy": "Սրա համար բյուջե չունենք",
            "zh-hans": "我们没有这方面的预算",
            "ru": "На это нет бюджета",
        },
        [
            {
                "en": "I understand. When do you plan the next budget? Let me send a proposal now so that "
                "it can be included, and call you back then.",
                "pl": "Rozumiem. Kiedy planujecie następny budżet? Wyślę ofertę już teraz, żeby można "
                "było ją uwzględnić, i wtedy oddzwonię.",
                "bs": "Razumijem. Kada planirate sljedeći budžet? Poslat ću ponudu sada da se može "
                "uključiti, pa vas tada nazovem.",
                "hy": "Հասկանում եմ։ Ե՞րբ եք պլանավորում հաջորդ բյուջեն։ Թույլ տվեք հիմա ուղարկել "
                "առաջարկը, որպեսզի այն ներառվի, և այդ ժամանակ հետ զանգեմ։",
                "zh-hans": "我理解。你们下一次做预算是什么时候？我现在先把方案发给您，以便纳入预算，到时候再给您回电话。",
                "ru": "Понимаю. Когда вы планируете следующий бюджет? Давайте я пришлю предложение сейчас, "
                "чтобы его учли, и перезвоню тогда.",
            },
        ],
    ),
}


def add_objections(apps, schema_editor):
    Objection = apps.get_model("calllists", "Objection")
    ObjectionAnswer = apps.get_model("calllists", "ObjectionAnswer")
    for position, (code, (names, answers)) in enumerate(DEFAULT_OBJECTIONS.items()):
        objection, created = Objection.objects.get_or_create(
            code=code, defaults={"names": names, "position": position * 10}
        )
        if created:
            for index, texts in enumerate(answers):
                ObjectionAnswer.objects.create(objection=objection, texts=texts, position=index * 10)


def remove_objections(apps, schema_editor):
    Objection = apps.get_model("calllists", "Objection")
    Objection.objects.filter(code__in=DEFAULT_OBJECTIONS, marks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("calllists", "0001_initial")]

    operations = [migrations.RunPython(add_objections, remove_objections)]
