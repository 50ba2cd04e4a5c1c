"""The demo knowledge base: three categories and eight short articles, each written in all six languages
(delivery times, tracking, invoice copies, returns and a password reset are public; invoice corrections
and damaged deliveries are internal notes for agents; paying by transfer is a draft).

Made through the services by the demo's service-desk manager (versions and history as in real use);
idempotent: an article whose short name exists is left alone."""

from __future__ import annotations

from django.db import transaction

from klient.core.models import Role, User
from klient.service.kb.models import Article, ArticleStatus, KbCategory
from klient.service.kb.services import article_create, article_set_status, category_create, translation_save

CATEGORIES: dict[str, dict[str, str]] = {
    "delivery": {
        "en": "Delivery",
        "pl": "Dostawa",
        "bs": "Dostava",
        "hy": "Առաքում",
        "zh-hans": "送货",
        "ru": "Доставка",
    },
    "invoices": {
        "en": "Invoices and payments",
        "pl": "Faktury i płatności",
        "bs": "Fakture i plaćanja",
        "hy": "Հաշիվներ և վճարումներ",
        "zh-hans": "发票和付款",
        "ru": "Счета и оплата",
    },
    "account": {
        "en": "Account and returns",
        "pl": "Konto i zwroty",
        "bs": "Račun i povrati",
        "hy": "Հաշիվ և վերադարձ",
        "zh-hans": "账户和退货",
        "ru": "Учётная запись и возврат",
    },
}

# (short name, category, status, {language: (title, text)})
ARTICLES: list[tuple[str, str, str, dict[str, tuple[str, str]]]] = [
    (
        "delivery-times",
        "delivery",
        ArticleStatus.PUBLIC,
        {
            "en": (
                "How long does delivery take?",
                "Orders placed on a working day before 12:00 leave our warehouse the same day. Delivery within "
                "the country takes 1–2 working days; abroad 3–5 working days.\n\nYou receive an email with the "
                "tracking number as soon as the parcel leaves the warehouse.",
            ),
            "pl": (
                "Ile trwa dostawa?",
                "Zamówienia złożone w dzień roboczy przed 12:00 wysyłamy z magazynu tego samego dnia. Dostawa "
                "w kraju trwa 1–2 dni robocze, za granicę 3–5 dni roboczych.\n\nGdy paczka opuści magazyn, "
                "otrzymasz e-mail z numerem przesyłki.",
            ),
            "bs": (
                "Koliko traje dostava?",
                "Narudžbe primljene radnim danom prije 12:00 šaljemo iz skladišta isti dan. Dostava unutar "
                "zemlje traje 1–2 radna dana, u inostranstvo 3–5 radnih dana.\n\nČim paket napusti skladište, "
                "dobit ćete e-mail s brojem za praćenje pošiljke.",
            ),
            "hy": (
                "Որքա՞ն է տևում առաքումը",
                "Աշխատանքային օրը մինչև 12:00 կատարված պատվերները նույն օրը դուրս են գալիս մեր պահեստից։ "
                "Երկրի ներսում առաքումը տևում է 1–2 աշխատանքային օր, արտերկիր՝ 3–5 աշխատանքային օր։\n\n"
                "Հենց որ ծանրոցը լքի պահեստը, դուք կստանաք էլ. նամակ՝ հետևման համարով։",
            ),
            "zh-hans": (
                "送货需要多长时间？",
                "工作日12:00前下的订单当天从仓库发货。国内送货需要1至2个工作日，国外需要3至5个工作日。\n\n"
                "包裹离开仓库后，您会收到一封包含运单号的电子邮件。",
            ),
            "ru": (
                "Сколько длится доставка?",
                "Заказы, оформленные в рабочий день до 12:00, отправляются со склада в тот же день. Доставка "
                "по стране занимает 1–2 рабочих дня, за границу — 3–5 рабочих дней.\n\nКак только посылка "
                "покинет склад, вы получите письмо с номером для отслеживания.",
            ),
        },
    ),
    (
        "where-is-my-order",
        "delivery",
        ArticleStatus.PUBLIC,
        {
            "en": (
                "Where is my order?",
                "Open the email we sent when the parcel left the warehouse and follow the tracking link. You "
                "can also see the status of every order in the customer portal under Orders.\n\nIf the parcel "
                "has not moved for three working days, reply to that email and we will ask the carrier.",
            ),
            "pl": (
                "Gdzie jest moje zamówienie?",
                "Otwórz e-mail wysłany po nadaniu paczki i kliknij link do śledzenia przesyłki. Status każdego "
                "zamówienia widać też w portalu klienta w zakładce Zamówienia.\n\nJeśli paczka nie zmieniła "
                "statusu od trzech dni roboczych, odpowiedz na ten e-mail, a zapytamy przewoźnika.",
            ),
            "bs": (
                "Gdje je moja narudžba?",
                "Otvorite e-mail koji smo poslali kad je paket napustio skladište i kliknite na link za "
                "praćenje. Status svake narudžbe vidite i na portalu za kupce, pod Narudžbe.\n\nAko se paket "
                "ne pomjeri tri radna dana, odgovorite na taj e-mail i mi ćemo provjeriti kod prevoznika.",
            ),
            "hy": (
                "Որտե՞ղ է իմ պատվերը",
                "Բացեք այն նամակը, որը ուղարկել ենք ծանրոցը պահեստից դուրս գալիս, և անցեք հետևման հղումով։ "
                "Յուրաքանչյուր պատվերի կարգավիճակը կարող եք տեսնել նաև հաճախորդի պորտալում՝ «Պատվերներ» "
                "բաժնում։\n\nԵթե ծանրոցը երեք աշխատանքային օր չի շարժվել, պատասխանեք այդ նամակին, և մենք "
                "կդիմենք փոխադրողին։",
            ),
            "zh-hans": (
                "我的订单在哪里？",
                "请打开包裹发出时我们发送的电子邮件，点击其中的跟踪链接。您也可以在客户门户的“订单”页面查看"
                "每个订单的状态。\n\n如果包裹三个工作日没有更新，请直接回复该邮件，我们会联系承运商。",
            ),
            "ru": (
                "Где мой заказ?",
                "Откройте письмо, которое мы отправили, когда посылка покинула склад, и перейдите по ссылке "
                "для отслеживания. Статус каждого заказа также виден в портале клиента в разделе «Заказы».\n\n"
                "Если посылка не движется три рабочих дня, ответьте на это письмо — мы свяжемся с перевозчиком.",
            ),
        },
    ),
    (
        "invoice-copy",
        "invoices",
        ArticleStatus.PUBLIC,
        {
            "en": (
                "How do I get a copy of an invoice?",
                "Every invoice is in the customer portal under Invoices, as a PDF you can download at any "
                "time.\n\nIf you need a copy sent to another address, for example your accounts department, "
                "write to us with the invoice number and the address.",
            ),
            "pl": (
                "Jak otrzymać kopię faktury?",
                "Każda faktura jest dostępna w portalu klienta w zakładce Faktury jako plik PDF do pobrania "
                "w dowolnym momencie.\n\nJeśli kopia ma trafić na inny adres, na przykład do działu "
                "księgowości, napisz do nas, podając numer faktury i adres.",
            ),
            "bs": (
                "Kako dobiti kopiju fakture?",
                "Svaka faktura se nalazi na portalu za kupce, pod Fakture, kao PDF koji možete preuzeti u bilo "
                "koje vrijeme.\n\nAko kopiju trebate poslati na drugu adresu, na primjer računovodstvu, pišite "
                "nam s brojem fakture i adresom.",
            ),
            "hy": (
                "Ինչպե՞ս ստանալ հաշիվ-ապրանքագրի պատճենը",
                "Յուրաքանչյուր հաշիվ-ապրանքագիր հասանելի է հաճախորդի պորտալում՝ «Հաշիվներ» բաժնում, PDF "
                "ձևաչափով, որը կարող եք ներբեռնել ցանկացած պահի։\n\nԵթե պատճենը պետք է ուղարկել այլ հասցեի, "
                "օրինակ՝ հաշվապահությանը, գրեք մեզ՝ նշելով հաշվի համարը և հասցեն։",
            ),
            "zh-hans": (
                "如何获取发票副本？",
                "所有发票都可以在客户门户的“发票”页面找到，随时下载PDF文件。\n\n"
                "如需将副本发送到其他地址（例如贵公司的财务部门），请把发票号码和地址发给我们。",
            ),
            "ru": (
                "Как получить копию счёта-фактуры?",
                "Все счета-фактуры доступны в портале клиента в разделе «Счета» в виде PDF, который можно "
                "скачать в любое время.\n\nЕсли копию нужно отправить на другой адрес, например в бухгалтерию, "
                "напишите нам номер счёта и адрес.",
            ),
        },
    ),
    (
        "invoice-correction",
        "invoices",
        ArticleStatus.INTERNAL,
        {
            "en": (
                "Correcting an invoice (for agents)",
                "A customer who reports a wrong price, quantity or tax ID on an invoice gets a corrective "
                "invoice, never an edited one.\n\nCheck the order and the price list, then open a request to "
                "finance with the invoice number, the wrong and the right values. Finance issues the "
                "correction within two working days; tell the customer when it is sent.",
            ),
            "pl": (
                "Korekta faktury (dla konsultantów)",
                "Klient, który zgłasza błędną cenę, ilość lub NIP na fakturze, otrzymuje fakturę korygującą — "
                "faktury nigdy nie edytujemy.\n\nSprawdź zamówienie i cennik, a następnie wyślij zgłoszenie do "
                "działu finansów z numerem faktury oraz błędnymi i poprawnymi wartościami. Finanse wystawiają "
                "korektę w ciągu dwóch dni roboczych; poinformuj klienta o jej wysłaniu.",
            ),
            "bs": (
                "Ispravka fakture (za agente)",
                "Kupac koji prijavi pogrešnu cijenu, količinu ili porezni broj na fakturi dobija knjižnu "
                "obavijest, a ne izmijenjenu fakturu.\n\nProvjerite narudžbu i cjenovnik, zatim pošaljite "
                "zahtjev finansijama s brojem fakture te pogrešnim i ispravnim vrijednostima. Finansije izdaju "
                "ispravku u roku od dva radna dana; javite kupcu kad je poslana.",
            ),
            "hy": (
                "Հաշիվ-ապրանքագրի ուղղում (օպերատորների համար)",
                "Եթե հաճախորդը հայտնում է հաշվում սխալ գնի, քանակի կամ ՀՎՀՀ-ի մասին, նա ստանում է ուղղիչ "
                "հաշիվ, ոչ թե խմբագրված հաշիվ։\n\nՍտուգեք պատվերը և գնացուցակը, ապա ֆինանսական բաժին "
                "ուղարկեք հայտ՝ նշելով հաշվի համարը, սխալ և ճիշտ արժեքները։ Ֆինանսական բաժինը ուղղումը "
                "տրամադրում է երկու աշխատանքային օրվա ընթացքում. տեղեկացրեք հաճախորդին, երբ այն ուղարկվի։",
            ),
            "zh-hans": (
                "更正发票（客服内部）",
                "客户反映发票上的价格、数量或税号有误时，应开具红字更正发票，不得直接修改原发票。\n\n"
                "请先核对订单和价目表，然后向财务部门提交申请，注明发票号码以及错误值和正确值。"
                "财务会在两个工作日内开具更正发票；发出后请通知客户。",
            ),
            "ru": (
                "Исправление счёта-фактуры (для операторов)",
                "Клиент, сообщивший о неверной цене, количестве или ИНН в счёте, получает корректировочный "
                "счёт — исходный счёт никогда не редактируется.\n\nПроверьте заказ и прайс-лист, затем "
                "отправьте запрос в финансовый отдел с номером счёта, неверными и правильными значениями. "
                "Финансы выставляют корректировку в течение двух рабочих дней; сообщите клиенту, когда она "
                "отправлена.",
            ),
        },
    ),
    (
        "returns",
        "account",
        ArticleStatus.PUBLIC,
        {
            "en": (
                "How do I return goods?",
                "You can return unused goods in their original packaging within 30 days of delivery.\n\nOpen a "
                "ticket in the customer portal with the order number and the items you are returning. We send "
                "you a return label by email; the refund reaches your account within 14 days after the goods "
                "arrive back at our warehouse.",
            ),
            "pl": (
                "Jak zwrócić towar?",
                "Nieużywany towar w oryginalnym opakowaniu możesz zwrócić w ciągu 30 dni od dostawy.\n\nZałóż "
                "zgłoszenie w portalu klienta, podając numer zamówienia i zwracane pozycje. Etykietę zwrotną "
                "wyślemy e-mailem; zwrot pieniędzy trafi na Twoje konto w ciągu 14 dni od przyjęcia towaru "
                "w naszym magazynie.",
            ),
            "bs": (
                "Kako vratiti robu?",
                "Nekorištenu robu u originalnom pakovanju možete vratiti u roku od 30 dana od dostave.\n\n"
                "Otvorite zahtjev na portalu za kupce s brojem narudžbe i artiklima koje vraćate. Naljepnicu "
                "za povrat šaljemo e-mailom; novac vraćamo na vaš račun u roku od 14 dana nakon što roba stigne "
                "u naše skladište.",
            ),
            "hy": (
                "Ինչպե՞ս վերադարձնել ապրանքը",
                "Չօգտագործված ապրանքը բնօրինակ փաթեթավորմամբ կարող եք վերադարձնել առաքումից հետո 30 օրվա "
                "ընթացքում։\n\nՀաճախորդի պորտալում բացեք հայտ՝ նշելով պատվերի համարը և վերադարձվող "
                "ապրանքները։ Վերադարձի պիտակը կուղարկենք էլ. փոստով. գումարը կվերադարձվի ձեր հաշվին "
                "ապրանքը մեր պահեստ հասնելուց հետո 14 օրվա ընթացքում։",
            ),
            "zh-hans": (
                "如何退货？",
                "未使用且保留原包装的商品，可在收货后30天内退回。\n\n请在客户门户提交工单，注明订单号和要退回"
                "的商品。我们会通过电子邮件发送退货标签；商品退回仓库后14天内，退款将退回您的账户。",
            ),
            "ru": (
                "Как вернуть товар?",
                "Неиспользованный товар в оригинальной упаковке можно вернуть в течение 30 дней с момента "
                "доставки.\n\nСоздайте обращение в портале клиента, указав номер заказа и возвращаемые "
                "позиции. Мы пришлём этикетку для возврата по электронной почте; деньги поступят на ваш счёт "
                "в течение 14 дней после того, как товар вернётся на наш склад.",
            ),
        },
    ),
    (
        "password-reset",
        "account",
        ArticleStatus.PUBLIC,
        {
            "en": (
                "I forgot my portal password",
                "On the portal sign-in page choose “Forgot your password?” and enter the email address your "
                "account uses. You receive a link that is valid for one hour; open it and choose a new "
                "password.\n\nNo email after ten minutes? Check the spam folder, or ask us to confirm the "
                "address on your account.",
            ),
            "pl": (
                "Nie pamiętam hasła do portalu",
                "Na stronie logowania do portalu wybierz „Nie pamiętasz hasła?” i podaj adres e-mail swojego "
                "konta. Otrzymasz link ważny przez godzinę; otwórz go i ustaw nowe hasło.\n\nNie ma wiadomości "
                "po dziesięciu minutach? Sprawdź folder spam albo poproś nas o potwierdzenie adresu "
                "przypisanego do konta.",
            ),
            "bs": (
                "Zaboravio sam lozinku za portal",
                "Na stranici za prijavu na portal izaberite „Zaboravili ste lozinku?” i unesite e-mail adresu "
                "svog računa. Dobit ćete link koji važi jedan sat; otvorite ga i odaberite novu lozinku.\n\n"
                "Nema poruke ni nakon deset minuta? Provjerite folder za neželjenu poštu ili nas zamolite da "
                "potvrdimo adresu na vašem računu.",
            ),
            "hy": (
                "Մոռացել եմ պորտալի գաղտնաբառը",
                "Պորտալի մուտքի էջում ընտրեք «Մոռացե՞լ եք գաղտնաբառը» և մուտքագրեք ձեր հաշվի էլ. հասցեն։ "
                "Կստանաք հղում, որը գործում է մեկ ժամ. բացեք այն և ընտրեք նոր գաղտնաբառ։\n\nՏասը րոպե անց "
                "նամակ չկա՞։ Ստուգեք սպամի թղթապանակը կամ խնդրեք մեզ հաստատել ձեր հաշվի հասցեն։",
            ),
            "zh-hans": (
                "忘记了门户密码",
                "在门户登录页面点击“忘记密码？”，输入您账户使用的电子邮件地址。您会收到一个有效期为一小时的"
                "链接，打开后设置新密码。\n\n十分钟后仍未收到邮件？请检查垃圾邮件文件夹，或请我们核实您账户上的地址。",
            ),
            "ru": (
                "Я забыл пароль от портала",
                "На странице входа в портал выберите «Забыли пароль?» и введите адрес электронной почты вашей "
                "учётной записи. Вы получите ссылку, действующую один час; откройте её и задайте новый "
                "пароль.\n\nПисьма нет и через десять минут? Проверьте папку «Спам» или попросите нас "
                "проверить адрес в вашей учётной записи.",
            ),
        },
    ),
    (
        "damaged-delivery",
        "delivery",
        ArticleStatus.INTERNAL,
        {
            "en": (
                "Damaged delivery: what to ask for (for agents)",
                "Ask the customer for photos of the parcel and of the damaged goods, the delivery note and, if "
                "they have it, the carrier's damage report.\n\nOpen a complaint ticket, attach the photos and "
                "set the corrective action: a replacement shipment for goods in stock, otherwise a refund. "
                "Replacements go out within one working day.",
            ),
            "pl": (
                "Uszkodzona dostawa: o co poprosić (dla konsultantów)",
                "Poproś klienta o zdjęcia paczki i uszkodzonego towaru, dokument dostawy oraz, jeśli ma, "
                "protokół szkody od przewoźnika.\n\nZałóż reklamację, dołącz zdjęcia i ustaw działanie "
                "naprawcze: wysyłka zastępcza, gdy towar jest na stanie, w przeciwnym razie zwrot pieniędzy. "
                "Wysyłki zastępcze wychodzą w ciągu jednego dnia roboczego.",
            ),
            "bs": (
                "Oštećena dostava: šta tražiti (za agente)",
                "Zamolite kupca za fotografije paketa i oštećene robe, otpremnicu i, ako ga ima, zapisnik o "
                "šteti od prevoznika.\n\nOtvorite reklamaciju, priložite fotografije i odredite korektivnu "
                "mjeru: zamjensku pošiljku ako je roba na stanju, inače povrat novca. Zamjenske pošiljke "
                "šaljemo u roku od jednog radnog dana.",
            ),
            "hy": (
                "Վնասված առաքում. ինչ խնդրել (օպերատորների համար)",
                "Խնդրեք հաճախորդից ծանրոցի և վնասված ապրանքի լուսանկարները, առաքման փաստաթուղթը և, եթե կա, "
                "փոխադրողի վնասի արձանագրությունը։\n\nԲացեք բողոքի հայտ, կցեք լուսանկարները և նշեք ուղղիչ "
                "գործողությունը՝ փոխարինող առաքում, եթե ապրանքը պահեստում կա, հակառակ դեպքում՝ գումարի "
                "վերադարձ։ Փոխարինող առաքումները ուղարկվում են մեկ աշխատանքային օրվա ընթացքում։",
            ),
            "zh-hans": (
                "货物损坏：需要客户提供什么（客服内部）",
                "请客户提供包裹和损坏商品的照片、送货单，如有承运商的损坏报告也请一并提供。\n\n"
                "创建投诉工单，附上照片并填写纠正措施：有库存时补发商品，否则退款。补发商品在一个工作日内发出。",
            ),
            "ru": (
                "Повреждённая доставка: что запросить (для операторов)",
                "Попросите у клиента фотографии посылки и повреждённого товара, накладную и, если есть, акт о "
                "повреждении от перевозчика.\n\nСоздайте обращение-рекламацию, приложите фотографии и укажите "
                "корректирующее действие: повторная отправка, если товар есть на складе, иначе возврат денег. "
                "Повторные отправки уходят в течение одного рабочего дня.",
            ),
        },
    ),
    (
        "bank-transfer",
        "invoices",
        ArticleStatus.DRAFT,
        {
            "en": (
                "Paying by bank transfer",
                "Pay invoices by bank transfer to the account printed on the invoice, with the invoice number "
                "as the payment reference.\n\nPayments are matched automatically within one working day.",
            ),
            "pl": (
                "Płatność przelewem",
                "Faktury opłacaj przelewem na rachunek podany na fakturze, wpisując numer faktury w tytule "
                "przelewu.\n\nWpłaty są przypisywane automatycznie w ciągu jednego dnia roboczego.",
            ),
            "bs": (
                "Plaćanje bankovnom doznakom",
                "Fakture plaćajte doznakom na račun naveden na fakturi, s brojem fakture kao pozivom na broj."
                "\n\nUplate se automatski povezuju u roku od jednog radnog dana.",
            ),
            "hy": (
                "Վճարում բանկային փոխանցումով",
                "Վճարեք հաշիվները բանկային փոխանցումով՝ հաշվի վրա նշված հաշվեհամարին, վճարման նպատակում "
                "նշելով հաշվի համարը։\n\nՎճարումները ավտոմատ կերպով համադրվում են մեկ աշխատանքային օրվա "
                "ընթացքում։",
            ),
            "zh-hans": (
                "银行转账付款",
                "请通过银行转账支付发票，收款账户以发票上印的为准，并在付款附言中填写发票号码。\n\n"
                "付款会在一个工作日内自动核销。",
            ),
            "ru": (
                "Оплата банковским переводом",
                "Оплачивайте счета банковским переводом на счёт, указанный в счёте-фактуре, указав номер счёта "
                "в назначении платежа.\n\nПлатежи сопоставляются автоматически в течение одного рабочего дня.",
            ),
        },
    ),
]


def _author() -> User | None:
    """Who writes the demo's articles: the demo's service-desk manager, else any, else an administrator."""
    return (
        User.objects.filter(username="li.wei", is_active=True).first()
        or User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    )


@transaction.atomic
def kb_demo() -> int:
    """Create the demo categories and articles that are missing; returns how many articles were made."""
    author = _author()
    if author is None:
        return 0
    categories = {category.slug: category for category in KbCategory.objects.filter(slug__in=CATEGORIES)}
    for slug, names in CATEGORIES.items():
        if slug not in categories:
            categories[slug] = category_create(actor=author, names=names, slug=slug)
    existing = set(
        Article.objects.filter(slug__in=[slug for slug, *_rest in ARTICLES]).values_list("slug", flat=True)
    )
    made = 0
    for slug, category, status, texts in ARTICLES:
        if slug in existing:
            continue
        title, body = texts["en"]
        article = article_create(
            actor=author, language="en", title=title, body=body, category=categories[category], slug=slug
        )
        for language, (title, body) in texts.items():
            if language != "en":
                translation_save(article=article, actor=author, language=language, title=title, body=body)
        if status != ArticleStatus.DRAFT:
            article_set_status(article=article, actor=author, status=status)
        made += 1
    return made
