"""What the demo tickets say, in each of the six languages: customers' requests (subject, first message,
a follow-up) and agents' answers, by scenario. Written by people, not generated, so the desk reads true."""

from __future__ import annotations

# scenario → (type, priority, category) of the tickets made from it
SCENARIOS: dict[str, tuple[str, str, str]] = {
    "late_delivery": ("incident", "high", "Delivery"),
    "invoice_copy": ("service_request", "normal", "Invoice"),
    "damaged_goods": ("complaint", "high", "Product defect"),
    "password": ("service_request", "normal", "Account access"),
    "price_question": ("question", "low", "Invoice"),
    "wrong_item": ("complaint", "normal", "Product defect"),
    "urgent_stop": ("incident", "urgent", "Delivery"),
    "certificate": ("question", "normal", "Product defect"),
}

# language → scenario → (subject, first message, customer's follow-up)
REQUESTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "en": {
        "late_delivery": (
            "Order {order} has not arrived",
            "Hello,\nour order {order} was promised for Monday and has not arrived yet. When can we expect it?\nRegards",
            "Thank you. Could you send the tracking number as well?",
        ),
        "invoice_copy": (
            "Copy of invoice {invoice}",
            "Good morning,\nplease send us a copy of invoice {invoice}; our accounting lost the original.",
            "Received, thank you.",
        ),
        "damaged_goods": (
            "Damaged pallets in delivery {order}",
            "Twelve of the pallets in delivery {order} arrived broken. Photos attached. We expect a replacement.",
            "The driver confirmed the damage on the delivery note.",
        ),
        "password": (
            "Cannot sign in to the portal",
            "I have forgotten my password for the customer portal and the reset link does not arrive.",
            "It works now, thanks.",
        ),
        "price_question": (
            "Price for 500 pallets",
            "What would be your price for 500 euro pallets delivered in March?",
            "And for 1,000?",
        ),
        "wrong_item": (
            "Wrong item delivered",
            "We ordered stretch foil 23 µm and received 17 µm. Please collect it and send the right one.",
            "When will the courier come?",
        ),
        "urgent_stop": (
            "URGENT: production line stopped",
            "Our line is stopped because the racking parts from order {order} are missing. Please call me.",
            "Still waiting for a call back.",
        ),
        "certificate": (
            "Certificate for heat-treated pallets",
            "Could you send the ISPM 15 certificate for the pallets we bought last month?",
            "Thank you for the quick answer.",
        ),
    },
    "pl": {
        "late_delivery": (
            "Zamówienie {order} nie dotarło",
            "Dzień dobry,\nzamówienie {order} miało być w poniedziałek i jeszcze nie dotarło. Kiedy możemy się go spodziewać?\nPozdrawiam",
            "Dziękuję. Czy mogą Państwo podać numer przesyłki?",
        ),
        "invoice_copy": (
            "Kopia faktury {invoice}",
            "Dzień dobry,\nproszę o kopię faktury {invoice}, księgowość zgubiła oryginał.",
            "Otrzymałam, dziękuję.",
        ),
        "damaged_goods": (
            "Uszkodzone palety w dostawie {order}",
            "Dwanaście palet z dostawy {order} dotarło połamanych. W załączeniu zdjęcia. Oczekujemy wymiany.",
            "Kierowca potwierdził uszkodzenie na liście przewozowym.",
        ),
        "password": (
            "Nie mogę zalogować się do portalu",
            "Zapomniałem hasła do portalu klienta, a link do zmiany hasła nie przychodzi.",
            "Już działa, dziękuję.",
        ),
        "price_question": (
            "Cena za 500 palet",
            "Jaka byłaby cena 500 europalet z dostawą w marcu?",
            "A za 1000 sztuk?",
        ),
        "wrong_item": (
            "Dostarczono niewłaściwy towar",
            "Zamówiliśmy folię stretch 23 µm, a dostaliśmy 17 µm. Proszę o odbiór i wysłanie właściwej.",
            "Kiedy przyjedzie kurier?",
        ),
        "urgent_stop": (
            "PILNE: linia produkcyjna stoi",
            "Nasza linia stoi, bo brakuje elementów regałów z zamówienia {order}. Proszę o telefon.",
            "Nadal czekam na telefon.",
        ),
        "certificate": (
            "Certyfikat palet suszonych termicznie",
            "Czy mogą Państwo przesłać certyfikat ISPM 15 dla palet kupionych w zeszłym miesiącu?",
            "Dziękuję za szybką odpowiedź.",
        ),
    },
    "bs": {
        "late_delivery": (
            "Narudžba {order} nije stigla",
            "Poštovani,\nnarudžba {order} je trebala stići u ponedjeljak, a još nije. Kada je možemo očekivati?\nLijep pozdrav",
            "Hvala. Možete li poslati i broj pošiljke?",
        ),
        "invoice_copy": (
            "Kopija fakture {invoice}",
            "Dobro jutro,\nmolimo kopiju fakture {invoice}, računovodstvo je izgubilo original.",
            "Primljeno, hvala.",
        ),
        "damaged_goods": (
            "Oštećene palete u isporuci {order}",
            "Dvanaest paleta iz isporuke {order} stiglo je slomljeno. Fotografije su u prilogu. Očekujemo zamjenu.",
            "Vozač je potvrdio oštećenje na otpremnici.",
        ),
        "password": (
            "Ne mogu se prijaviti na portal",
            "Zaboravio sam lozinku za portal za kupce, a link za promjenu ne stiže.",
            "Sada radi, hvala.",
        ),
        "price_question": (
            "Cijena za 500 paleta",
            "Kolika bi bila cijena za 500 euro paleta s isporukom u martu?",
            "A za 1.000 komada?",
        ),
        "wrong_item": (
            "Isporučen pogrešan artikal",
            "Naručili smo stretch foliju 23 µm, a dobili 17 µm. Molimo da je preuzmete i pošaljete ispravnu.",
            "Kada dolazi kurir?",
        ),
        "urgent_stop": (
            "HITNO: proizvodna linija stoji",
            "Naša linija stoji jer nedostaju dijelovi regala iz narudžbe {order}. Molim vas da me nazovete.",
            "I dalje čekam poziv.",
        ),
        "certificate": (
            "Certifikat za termički tretirane palete",
            "Možete li poslati ISPM 15 certifikat za palete kupljene prošlog mjeseca?",
            "Hvala na brzom odgovoru.",
        ),
    },
    "hy": {
        "late_delivery": (
            "{order} պատվերը չի ստացվել",
            "Բարև Ձեզ,\n{order} պատվերը պետք է առաքվեր երկուշաբթի, բայց դեռ չի ստացվել։ Ե՞րբ կարող ենք սպասել։\nՀարգանքով",
            "Շնորհակալություն։ Կարո՞ղ եք ուղարկել նաև առաքման համարը։",
        ),
        "invoice_copy": (
            "{invoice} հաշիվ-ապրանքագրի պատճենը",
            "Բարի լույս,\nխնդրում ենք ուղարկել {invoice} հաշիվ-ապրանքագրի պատճենը, հաշվապահությունը կորցրել է բնօրինակը։",
            "Ստացանք, շնորհակալություն։",
        ),
        "damaged_goods": (
            "Վնասված պալետներ {order} առաքման մեջ",
            "{order} առաքման տասներկու պալետները հասել են կոտրված։ Լուսանկարները կցված են։ Սպասում ենք փոխարինման։",
            "Վարորդը հաստատել է վնասը ուղեգրի վրա։",
        ),
        "password": (
            "Չեմ կարողանում մուտք գործել պորտալ",
            "Մոռացել եմ հաճախորդի պորտալի գաղտնաբառը, իսկ վերականգնման հղումը չի գալիս։",
            "Արդեն աշխատում է, շնորհակալություն։",
        ),
        "price_question": (
            "500 պալետի գինը",
            "Ինչ գին կլինի 500 եվրոպալետի համար՝ մարտին առաքմամբ։",
            "Իսկ 1000 հատի՞ համար։",
        ),
        "wrong_item": (
            "Առաքվել է սխալ ապրանք",
            "Պատվիրել էինք 23 մկմ ձգվող թաղանթ, ստացել ենք 17 մկմ։ Խնդրում ենք վերցնել և ուղարկել ճիշտը։",
            "Ե՞րբ կգա առաքիչը։",
        ),
        "urgent_stop": (
            "ՇՏԱՊ. արտադրական գիծը կանգնած է",
            "Մեր գիծը կանգնած է, քանի որ {order} պատվերից դարակաշարերի մասերը բացակայում են։ Խնդրում եմ զանգահարել։",
            "Դեռ սպասում եմ զանգի։",
        ),
        "certificate": (
            "Ջերմամշակված պալետների վկայականը",
            "Կարո՞ղ եք ուղարկել անցյալ ամիս գնված պալետների ISPM 15 վկայականը։",
            "Շնորհակալություն արագ պատասխանի համար։",
        ),
    },
    "zh-hans": {
        "late_delivery": (
            "订单 {order} 尚未到货",
            "您好，\n订单 {order} 原定周一送达，但至今仍未收到。请问预计什么时候能到？\n谢谢",
            "谢谢。能否也提供一下运单号？",
        ),
        "invoice_copy": (
            "发票 {invoice} 副本",
            "早上好，\n请给我们发送发票 {invoice} 的副本，财务部门遗失了原件。",
            "已收到，谢谢。",
        ),
        "damaged_goods": (
            "{order} 批次托盘破损",
            "{order} 批次中有十二个托盘到货时已损坏，照片见附件。请尽快补发。",
            "司机已在送货单上确认了损坏情况。",
        ),
        "password": (
            "无法登录客户门户",
            "我忘记了客户门户的密码，重置链接也一直收不到。",
            "现在可以登录了，谢谢。",
        ),
        "price_question": (
            "500 个托盘的报价",
            "请问 500 个欧标托盘、三月交货的价格是多少？",
            "如果是 1000 个呢？",
        ),
        "wrong_item": (
            "发错货了",
            "我们订购的是 23 微米缠绕膜，收到的却是 17 微米。请安排取回并发送正确的货物。",
            "快递员什么时候来取？",
        ),
        "urgent_stop": (
            "紧急：生产线停工",
            "由于订单 {order} 的货架零件缺失，我们的生产线已经停工。请尽快给我回电话。",
            "仍在等待回电。",
        ),
        "certificate": (
            "热处理托盘证书",
            "能否发送上个月所购托盘的 ISPM 15 证书？",
            "感谢您的快速回复。",
        ),
    },
    "ru": {
        "late_delivery": (
            "Заказ {order} не доставлен",
            "Здравствуйте!\nЗаказ {order} должен был прийти в понедельник, но до сих пор его нет. Когда его ждать?\nС уважением",
            "Спасибо. Можете прислать номер отслеживания?",
        ),
        "invoice_copy": (
            "Копия счёта {invoice}",
            "Доброе утро!\nПришлите, пожалуйста, копию счёта {invoice}: бухгалтерия потеряла оригинал.",
            "Получили, спасибо.",
        ),
        "damaged_goods": (
            "Повреждённые поддоны в поставке {order}",
            "Двенадцать поддонов из поставки {order} пришли сломанными. Фото во вложении. Ждём замену.",
            "Водитель подтвердил повреждение в накладной.",
        ),
        "password": (
            "Не могу войти в портал",
            "Забыл пароль от портала клиента, а ссылка для сброса не приходит.",
            "Теперь всё работает, спасибо.",
        ),
        "price_question": (
            "Цена на 500 поддонов",
            "Какой будет цена на 500 европоддонов с поставкой в марте?",
            "А на 1000 штук?",
        ),
        "wrong_item": (
            "Привезли не тот товар",
            "Мы заказывали стрейч-плёнку 23 мкм, а получили 17 мкм. Заберите её, пожалуйста, и пришлите правильную.",
            "Когда приедет курьер?",
        ),
        "urgent_stop": (
            "СРОЧНО: остановилась производственная линия",
            "Наша линия стоит, потому что не хватает деталей стеллажей из заказа {order}. Перезвоните мне, пожалуйста.",
            "Всё ещё жду звонка.",
        ),
        "certificate": (
            "Сертификат на термообработанные поддоны",
            "Можете прислать сертификат ISPM 15 на поддоны, купленные в прошлом месяце?",
            "Спасибо за быстрый ответ.",
        ),
    },
}

# language → (an agent's answer asking for more, an agent's answer that settles it)
ANSWERS: dict[str, tuple[str, str]] = {
    "en": (
        "Thank you for writing. Could you tell us the delivery note number, so we can check with the warehouse?",
        "We have sorted this out: you will find the details below. If anything is still unclear, just reply to this message.",
    ),
    "pl": (
        "Dziękujemy za wiadomość. Czy mogą Państwo podać numer dokumentu WZ, żebyśmy sprawdzili to z magazynem?",
        "Sprawa jest załatwiona, szczegóły poniżej. Jeśli coś jest niejasne, wystarczy odpowiedzieć na tę wiadomość.",
    ),
    "bs": (
        "Hvala na poruci. Možete li nam javiti broj otpremnice, da provjerimo sa skladištem?",
        "Riješili smo ovo, detalji su ispod. Ako nešto još nije jasno, samo odgovorite na ovu poruku.",
    ),
    "hy": (
        "Շնորհակալություն նամակի համար։ Կարո՞ղ եք նշել ուղեգրի համարը, որպեսզի ստուգենք պահեստի հետ։",
        "Հարցը լուծված է, մանրամասները ստորև են։ Եթե ինչ-որ բան պարզ չէ, պարզապես պատասխանեք այս նամակին։",
    ),
    "zh-hans": (
        "感谢来信。能否告知送货单号，以便我们与仓库核实？",
        "此问题已处理完毕，详情如下。如仍有疑问，请直接回复此邮件。",
    ),
    "ru": (
        "Спасибо за обращение. Сообщите, пожалуйста, номер накладной, чтобы мы проверили на складе.",
        "Вопрос решён, подробности ниже. Если что-то неясно, просто ответьте на это письмо.",
    ),
}

# The demo macros: name → (fields it sets, text per language)
MACROS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "Ask for the delivery note": (
        {"status": "pending_customer"},
        {
            "en": "Hello {{ contact.name }},\n\nthank you for writing. Could you send us the delivery note number, so we can check {{ ticket.reference }} with the warehouse?\n\n{{ agent.name }}",
            "pl": "Dzień dobry {{ contact.name }},\n\ndziękujemy za wiadomość. Czy mogą Państwo przesłać numer dokumentu WZ, żebyśmy sprawdzili {{ ticket.reference }} z magazynem?\n\n{{ agent.name }}",
            "bs": "Poštovani {{ contact.name }},\n\nhvala na poruci. Možete li nam poslati broj otpremnice, da provjerimo {{ ticket.reference }} sa skladištem?\n\n{{ agent.name }}",
            "hy": "Բարև Ձեզ, {{ contact.name }},\n\nշնորհակալություն նամակի համար։ Կարո՞ղ եք ուղարկել ուղեգրի համարը, որպեսզի {{ ticket.reference }}-ը ստուգենք պահեստի հետ։\n\n{{ agent.name }}",
            "zh-hans": "{{ contact.name }}，您好：\n\n感谢来信。能否发送送货单号，以便我们与仓库核实 {{ ticket.reference }}？\n\n{{ agent.name }}",
            "ru": "Здравствуйте, {{ contact.name }}!\n\nСпасибо за обращение. Пришлите, пожалуйста, номер накладной, чтобы мы проверили {{ ticket.reference }} на складе.\n\n{{ agent.name }}",
        },
    ),
    "Solved, thank you": (
        {"status": "resolved"},
        {
            "en": "Hello {{ contact.name }},\n\nwe have solved {{ ticket.reference }}. If anything is still wrong, just reply and the ticket opens again.\n\n{{ agent.name }}",
            "pl": "Dzień dobry {{ contact.name }},\n\nsprawa {{ ticket.reference }} została rozwiązana. Jeśli coś jest jeszcze nie tak, wystarczy odpowiedzieć, a zgłoszenie otworzy się ponownie.\n\n{{ agent.name }}",
            "bs": "Poštovani {{ contact.name }},\n\nriješili smo {{ ticket.reference }}. Ako nešto i dalje nije u redu, samo odgovorite i zahtjev će se ponovo otvoriti.\n\n{{ agent.name }}",
            "hy": "Բարև Ձեզ, {{ contact.name }},\n\n{{ ticket.reference }} հարցը լուծված է։ Եթե ինչ-որ բան դեռ սխալ է, պարզապես պատասխանեք, և հայտը կրկին կբացվի։\n\n{{ agent.name }}",
            "zh-hans": "{{ contact.name }}，您好：\n\n{{ ticket.reference }} 已解决。如仍有问题，直接回复即可，工单将重新打开。\n\n{{ agent.name }}",
            "ru": "Здравствуйте, {{ contact.name }}!\n\nОбращение {{ ticket.reference }} решено. Если что-то всё ещё не так, просто ответьте, и обращение откроется снова.\n\n{{ agent.name }}",
        },
    ),
}
