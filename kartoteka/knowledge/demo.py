"""Demo knowledge base: three categories, eight articles (public and internal, with a few
"was this helpful" votes) and five shared canned responses, written in the demo's language
(English, Russian or Polish) through the services like everything else.

    create_demo(language, author=None) -> (articles, canned responses)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from . import services

PUBLIC, INTERNAL = "public", "internal"

TEXTS: dict[str, dict] = {
    "en": {
        "categories": ["Account and access", "Billing", "Orders and delivery"],
        "articles": [
            (
                0,
                PUBLIC,
                "How to reset your password",
                "If you forgot your password, you can set a new one yourself.\n\n"
                "1. Open the login page and choose **Forgot password**.\n"
                "2. Enter the email address of your account.\n"
                "3. Open the link in the email we send you; it works for one hour.\n\n"
                "## The email did not arrive\n\n"
                "- Check the *Spam* folder.\n"
                "- Make sure you typed the address you registered with.\n"
                "- Still nothing after 15 minutes? Write to support@example.com.",
            ),
            (
                0,
                PUBLIC,
                "Turning on two-factor authentication",
                "Two-factor authentication protects your account even if someone learns "
                "your password.\n\nGo to **Profile → Security**, choose *Turn on*, and scan "
                "the code with an authenticator app. Keep the backup codes somewhere safe.",
            ),
            (
                0,
                INTERNAL,
                "Unlocking a locked account (agents)",
                "An account locks after five failed logins. Before unlocking:\n\n"
                "- confirm the caller's identity with **two** of: email, phone, last invoice "
                "number;\n"
                "- never read out or set a password for the customer;\n"
                "- note the check in the ticket.\n\n"
                "Then press *Unlock* on the customer's card.",
            ),
            (
                1,
                PUBLIC,
                "When are invoices issued?",
                "Invoices are issued on the first working day of each month and sent to the "
                "billing email address. You can download earlier invoices under "
                "**Account → Invoices**.",
            ),
            (
                1,
                PUBLIC,
                "Refund policy",
                "You can ask for a refund within **30 days** of payment.\n\n"
                "Refunds go back to the card or account you paid from and take up to five "
                "working days to arrive. Partial months are refunded in proportion.",
            ),
            (
                1,
                INTERNAL,
                "Handling a chargeback",
                "When the bank reports a chargeback:\n\n"
                "1. Do not refund the payment yourself — the bank already has.\n"
                "2. Suspend the subscription and tell the customer politely.\n"
                "3. Pass the case to finance with the invoice number.\n\n"
                "> Most chargebacks are a forgotten subscription, not fraud.",
            ),
            (
                2,
                PUBLIC,
                "Delivery times and tracking",
                "Orders placed before 14:00 on a working day leave the warehouse the same "
                "day. Delivery takes 1–3 working days.\n\n"
                "You will get a tracking link by email as soon as the parcel is on its way.",
            ),
            (
                2,
                INTERNAL,
                "Replacing a damaged item (checklist)",
                "- Ask for a photo of the item and of the parcel.\n"
                "- Create a replacement order with the reason *Damaged in transit*.\n"
                "- The customer does **not** need to send the damaged item back.\n"
                "- Report the case to the carrier within 7 days.",
            ),
        ],
        "canned": [
            (
                "Thank you for contacting us",
                "hello",
                "Hello {{ contact.first_name }},\n\nthank you for contacting us. Your request "
                "has the number {{ ticket.number }}; we will answer within one working day."
                "\n\nBest regards,\n{{ agent.name }}",
            ),
            (
                "Password reset instructions",
                "reset",
                "Hello {{ contact.first_name }},\n\nyou can set a new password yourself: on the "
                "login page choose “Forgot password” and follow the link in the email. The "
                "link works for one hour.\n\nBest regards,\n{{ agent.name }}",
            ),
            (
                "Refund confirmed",
                "refund",
                "Hello {{ contact.first_name }},\n\nwe have refunded your payment. The money "
                "will be back on your card within five working days.\n\nBest regards,\n"
                "{{ agent.name }}",
            ),
            (
                "Delivery delay",
                "delay",
                "Hello {{ contact.first_name }},\n\nwe are sorry that your parcel is late. "
                "We have asked the carrier and will write to you as soon as we know more."
                "\n\nBest regards,\n{{ agent.name }}",
            ),
            (
                "Closing the request",
                "close",
                "Hello {{ contact.first_name }},\n\nas we have not heard from you, we are "
                "closing request {{ ticket.number }}. Just reply to this email if you need "
                "anything else.\n\nBest regards,\n{{ agent.name }}",
            ),
        ],
    },
    "ru": {
        "categories": ["Учётная запись и доступ", "Оплата и счета", "Заказы и доставка"],
        "articles": [
            (
                0,
                PUBLIC,
                "Как сбросить пароль",
                "Если вы забыли пароль, задайте новый сами.\n\n"
                "1. Откройте страницу входа и выберите **Забыли пароль?**\n"
                "2. Введите адрес электронной почты вашей учётной записи.\n"
                "3. Откройте ссылку из письма; она действует один час.\n\n"
                "## Письмо не пришло\n\n"
                "- Проверьте папку *Спам*.\n"
                "- Убедитесь, что ввели адрес, указанный при регистрации.\n"
                "- Через 15 минут письма всё нет? Напишите на support@example.com.",
            ),
            (
                0,
                PUBLIC,
                "Как включить двухфакторную аутентификацию",
                "Двухфакторная аутентификация защищает учётную запись, даже если кто-то "
                "узнал ваш пароль.\n\nОткройте **Профиль → Безопасность**, нажмите *Включить* "
                "и отсканируйте код приложением-аутентификатором. Сохраните резервные коды.",
            ),
            (
                0,
                INTERNAL,
                "Разблокировка учётной записи (для операторов)",
                "Учётная запись блокируется после пяти неудачных попыток входа. Перед "
                "разблокировкой:\n\n"
                "- подтвердите личность клиента **двумя** признаками: почта, телефон, номер "
                "последнего счёта;\n"
                "- никогда не называйте и не задавайте пароль за клиента;\n"
                "- отметьте проверку в заявке.\n\n"
                "Затем нажмите *Разблокировать* в карточке клиента.",
            ),
            (
                1,
                PUBLIC,
                "Когда выставляются счета?",
                "Счета выставляются в первый рабочий день месяца и приходят на адрес для "
                "счетов. Прежние счета можно скачать в разделе **Учётная запись → Счета**.",
            ),
            (
                1,
                PUBLIC,
                "Возврат денег",
                "Вернуть оплату можно в течение **30 дней** после платежа.\n\n"
                "Деньги возвращаются на карту или счёт, с которых вы платили, в течение пяти "
                "рабочих дней. Неполный месяц возвращается пропорционально.",
            ),
            (
                1,
                INTERNAL,
                "Что делать при опротестовании платежа (chargeback)",
                "Когда банк сообщает об опротестовании платежа:\n\n"
                "1. Не возвращайте деньги сами — банк уже вернул их.\n"
                "2. Приостановите подписку и вежливо сообщите клиенту.\n"
                "3. Передайте случай в бухгалтерию с номером счёта.\n\n"
                "> Чаще всего это забытая подписка, а не мошенничество.",
            ),
            (
                2,
                PUBLIC,
                "Сроки доставки и отслеживание",
                "Заказы, оформленные до 14:00 в рабочий день, отправляются со склада в тот же "
                "день. Доставка занимает 1–3 рабочих дня.\n\n"
                "Ссылку для отслеживания мы пришлём письмом, как только посылка будет в пути.",
            ),
            (
                2,
                INTERNAL,
                "Замена повреждённого товара (чек-лист)",
                "- Попросите фото товара и упаковки.\n"
                "- Создайте заказ на замену с причиной *Повреждено при доставке*.\n"
                "- Клиенту **не** нужно возвращать повреждённый товар.\n"
                "- Сообщите перевозчику в течение 7 дней.",
            ),
        ],
        "canned": [
            (
                "Спасибо за обращение",
                "привет",
                "Здравствуйте, {{ contact.first_name }}!\n\nСпасибо за обращение. Номер вашей "
                "заявки — {{ ticket.number }}; мы ответим в течение одного рабочего дня."
                "\n\nС уважением,\n{{ agent.name }}",
            ),
            (
                "Как сбросить пароль",
                "пароль",
                "Здравствуйте, {{ contact.first_name }}!\n\nНовый пароль можно задать самим: "
                "на странице входа выберите «Забыли пароль?» и перейдите по ссылке из письма. "
                "Ссылка действует один час.\n\nС уважением,\n{{ agent.name }}",
            ),
            (
                "Возврат оформлен",
                "возврат",
                "Здравствуйте, {{ contact.first_name }}!\n\nМы вернули ваш платёж. Деньги "
                "поступят на карту в течение пяти рабочих дней.\n\nС уважением,\n"
                "{{ agent.name }}",
            ),
            (
                "Задержка доставки",
                "задержка",
                "Здравствуйте, {{ contact.first_name }}!\n\nПриносим извинения за задержку "
                "посылки. Мы связались с перевозчиком и напишем, как только что-то узнаем."
                "\n\nС уважением,\n{{ agent.name }}",
            ),
            (
                "Закрытие заявки",
                "закрыть",
                "Здравствуйте, {{ contact.first_name }}!\n\nМы не получили от вас ответа и "
                "закрываем заявку {{ ticket.number }}. Если понадобится помощь, просто ответьте "
                "на это письмо.\n\nС уважением,\n{{ agent.name }}",
            ),
        ],
    },
    "pl": {
        "categories": ["Konto i dostęp", "Płatności i faktury", "Zamówienia i dostawa"],
        "articles": [
            (
                0,
                PUBLIC,
                "Jak zresetować hasło",
                "Jeśli nie pamiętasz hasła, możesz samodzielnie ustawić nowe.\n\n"
                "1. Otwórz stronę logowania i wybierz **Nie pamiętam hasła**.\n"
                "2. Wpisz adres e-mail swojego konta.\n"
                "3. Otwórz link z wiadomości; jest ważny przez godzinę.\n\n"
                "## Wiadomość nie dotarła\n\n"
                "- Sprawdź folder *Spam*.\n"
                "- Upewnij się, że wpisujesz adres podany przy rejestracji.\n"
                "- Po 15 minutach nadal nic? Napisz na support@example.com.",
            ),
            (
                0,
                PUBLIC,
                "Włączanie uwierzytelniania dwuskładnikowego",
                "Uwierzytelnianie dwuskładnikowe chroni konto, nawet gdy ktoś pozna hasło.\n\n"
                "Wejdź w **Profil → Bezpieczeństwo**, wybierz *Włącz* i zeskanuj kod aplikacją "
                "uwierzytelniającą. Kody zapasowe przechowuj w bezpiecznym miejscu.",
            ),
            (
                0,
                INTERNAL,
                "Odblokowanie konta (dla konsultantów)",
                "Konto blokuje się po pięciu nieudanych logowaniach. Przed odblokowaniem:\n\n"
                "- potwierdź tożsamość klienta **dwiema** danymi: e-mail, telefon, numer "
                "ostatniej faktury;\n"
                "- nigdy nie podawaj ani nie ustawiaj hasła za klienta;\n"
                "- zanotuj weryfikację w zgłoszeniu.\n\n"
                "Następnie kliknij *Odblokuj* na karcie klienta.",
            ),
            (
                1,
                PUBLIC,
                "Kiedy wystawiamy faktury?",
                "Faktury wystawiamy pierwszego dnia roboczego miesiąca i wysyłamy na adres do "
                "faktur. Wcześniejsze faktury pobierzesz w **Konto → Faktury**.",
            ),
            (
                1,
                PUBLIC,
                "Zasady zwrotów",
                "O zwrot możesz poprosić w ciągu **30 dni** od płatności.\n\n"
                "Pieniądze wracają na kartę lub konto, z którego płaciłeś, w ciągu pięciu dni "
                "roboczych. Niepełny miesiąc zwracamy proporcjonalnie.",
            ),
            (
                1,
                INTERNAL,
                "Obsługa obciążenia zwrotnego (chargeback)",
                "Gdy bank zgłasza obciążenie zwrotne:\n\n"
                "1. Nie zwracaj płatności sam — bank już to zrobił.\n"
                "2. Zawieś subskrypcję i uprzejmie poinformuj klienta.\n"
                "3. Przekaż sprawę do księgowości z numerem faktury.\n\n"
                "> Najczęściej to zapomniana subskrypcja, a nie oszustwo.",
            ),
            (
                2,
                PUBLIC,
                "Czas dostawy i śledzenie przesyłki",
                "Zamówienia złożone do 14:00 w dzień roboczy wysyłamy tego samego dnia. "
                "Dostawa trwa 1–3 dni robocze.\n\n"
                "Link do śledzenia przesyłki wyślemy e-mailem, gdy tylko paczka wyruszy.",
            ),
            (
                2,
                INTERNAL,
                "Wymiana uszkodzonego towaru (lista kontrolna)",
                "- Poproś o zdjęcie towaru i opakowania.\n"
                "- Utwórz zamówienie wymiany z powodem *Uszkodzone w transporcie*.\n"
                "- Klient **nie** musi odsyłać uszkodzonego towaru.\n"
                "- Zgłoś szkodę przewoźnikowi w ciągu 7 dni.",
            ),
        ],
        "canned": [
            (
                "Dziękujemy za kontakt",
                "witaj",
                "Dzień dobry {{ contact.first_name }},\n\ndziękujemy za kontakt. Twoje "
                "zgłoszenie ma numer {{ ticket.number }}; odpowiemy w ciągu jednego dnia "
                "roboczego.\n\nPozdrawiam,\n{{ agent.name }}",
            ),
            (
                "Jak zresetować hasło",
                "haslo",
                "Dzień dobry {{ contact.first_name }},\n\nnowe hasło możesz ustawić "
                "samodzielnie: na stronie logowania wybierz „Nie pamiętam hasła” i otwórz link "
                "z wiadomości. Link jest ważny przez godzinę.\n\nPozdrawiam,\n{{ agent.name }}",
            ),
            (
                "Zwrot zlecony",
                "zwrot",
                "Dzień dobry {{ contact.first_name }},\n\nzleciliśmy zwrot płatności. "
                "Pieniądze wrócą na kartę w ciągu pięciu dni roboczych.\n\nPozdrawiam,\n"
                "{{ agent.name }}",
            ),
            (
                "Opóźnienie dostawy",
                "opoznienie",
                "Dzień dobry {{ contact.first_name }},\n\nprzepraszamy za opóźnienie przesyłki. "
                "Skontaktowaliśmy się z przewoźnikiem i napiszemy, gdy tylko będziemy wiedzieć "
                "więcej.\n\nPozdrawiam,\n{{ agent.name }}",
            ),
            (
                "Zamknięcie zgłoszenia",
                "zamknij",
                "Dzień dobry {{ contact.first_name }},\n\nponieważ nie otrzymaliśmy odpowiedzi, "
                "zamykamy zgłoszenie {{ ticket.number }}. Jeśli będziesz czegoś potrzebować, "
                "po prostu odpowiedz na tę wiadomość.\n\nPozdrawiam,\n{{ agent.name }}",
            ),
        ],
    },
}
# (helpful, not helpful) votes from anonymous visitors, by article
VOTES = ((9, 1), (3, 0), (0, 0), (5, 2), (7, 3), (0, 0), (6, 1), (0, 0))


def _default_author():
    admins = Q(is_superuser=True) | Q(role__is_admin=True)
    return get_user_model().objects.filter(admins, is_active=True).order_by("pk").first()


def create_demo(language: str, author=None) -> tuple[int, int]:
    """The demo knowledge base in `language` ("en", "ru" or "pl"; others get English),
    written by `author` (default: the first administrator). Returns (articles, answers)."""
    author = author or _default_author()
    if author is None:
        raise ValueError("The knowledge-base demo needs an administrator to write it.")
    texts = TEXTS.get((language or "en")[:2], TEXTS["en"])
    code = (language or "en")[:2] if (language or "en")[:2] in TEXTS else "en"
    with transaction.atomic():
        categories = [
            services.create_category(author, {"name": name}) for name in texts["categories"]
        ]
        articles = []
        for (index, visibility, title, body), (yes, no) in zip(
            texts["articles"], VOTES, strict=True
        ):
            article = services.create_article(
                author,
                {
                    "title": title,
                    "body": body,
                    "category": categories[index].pk,
                    "visibility": visibility,
                    "status": "published",
                    "language": code,
                },
            )
            for number in range(yes + no):
                key = services.voter_key_for_session(f"demo-{article.pk}-{number}")
                services.vote(article, key, number < yes)
            articles.append(article)
        for title, shortcut, body in texts["canned"]:
            services.create_canned(
                author,
                {
                    "title": title,
                    "body": body,
                    "shortcut": shortcut,
                    "shared": True,
                    "language": code,
                },
            )
    return len(articles), len(texts["canned"])
