"""Synthetic films for benchmarks: deterministic and bilingual. Every title (and every
original title) is used once in the whole catalog, as in a real one, so that a title typed
with one typo has exactly one right answer.

Titles of two or three words run out at about 170,000 (both languages, originals included);
once a language's are (nearly) all taken, its titles go on with a place ("... в Беловодово",
"... in Ashford"), from about a thousand made-up places, which leaves room for tens of millions.
A catalog is a prefix of any larger one: the first 100,000 films are the same at 1,000,000."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

RU_ADJ = (
    "тёмный светлый последний первый тихий холодный горячий белый чёрный красный зелёный синий золотой "
    "серебряный железный стеклянный каменный дикий древний новый старый вечный ночной утренний северный "
    "южный западный восточный далёкий близкий одинокий забытый потерянный тайный честный опасный "
    "безумный весёлый грустный быстрый медленный высокий глубокий пустой полный огненный ледяной "
    "звёздный лунный солнечный морской лесной горный степной речной городской деревенский"
).split()
RU_NOUN = (
    "город берег поезд остров маяк дом сад лес путь ветер снег дождь огонь мост замок корабль "
    "капитан солдат доктор художник музыкант учитель охотник рыбак пилот детектив шпион король "
    "принц волк медведь ворон сокол конь кот пёс дракон призрак ангел демон странник беглец "
    "свидетель наследник хранитель вор судья адвокат журналист чемпион игрок тренер гонщик"
).split()
RU_TAIL = (
    "судьбы памяти надежды времени ночи рассвета заката мечты правды любви войны мира тишины "
    "севера юга зимы лета осени весны моря неба земли реки гор степи пустыни империи революции"
).split()
EN_ADJ = (
    "dark bright last first silent cold hot white black red green blue golden silver iron glass "
    "stone wild ancient new old eternal midnight morning northern southern western eastern distant "
    "lonely forgotten lost secret honest dangerous crazy happy sad fast slow high deep empty burning "
    "frozen starry lunar sunny broken hidden sacred savage bitter sweet quiet loud final"
).split()
EN_NOUN = (
    "city shore train island lighthouse house garden forest road wind snow rain fire bridge castle "
    "ship captain soldier doctor painter musician teacher hunter fisherman pilot detective spy king "
    "prince wolf bear raven falcon horse dragon ghost angel stranger fugitive witness heir keeper "
    "thief judge lawyer reporter champion player coach racer"
).split()
EN_TAIL = (
    "destiny memory hope time night dawn sunset dreams truth love war peace silence north south "
    "winter summer autumn spring sea sky earth river mountains desert empire revolution"
).split()
FIRST = (
    "Анна Иван Мария Пётр Ольга Сергей Елена Дмитрий John Emma Michael Sophie David Laura Jean Marco".split()
)
LAST = "Иванов Смирнова Кузнецов Попова Волков Соколова Лебедев Smith Johnson Brown Taylor Martin Rossi Dubois".split()
# Places: a root and an ending ("Бел" + "ово"); Russian ones end as the names that are not declined.
RU_PLACE_ROOTS = (
    "Бел Вер Гор Дуб Жел Зар Кам Лип Мед Нов Озер Пес Рад Сосн Тал Холм Чер Яр Ольх Ряб Бор Кедр Мир "
    "Сел Ключ Вод Снеж Лес Грач Буд Вишн Гусл Дар Ерш Журавл Звен Ивн Кор Лугов Мох"
).split()
RU_PLACE_ENDINGS = "ово ево ино ыно аго ого ское".split()
EN_PLACE_ROOTS = (
    "Ash Bel Black Bram Brook Cold Elm Fair Glen Green Hart High Kings Lang Long Mar Mill New Oak Red "
    "Rich Rose Stan Stone Thorn Wake West Whit Win York Al Bur Cal Dun Fen Gold Hazel Ivy Lock Mor"
).split()
EN_PLACE_ENDINGS = "bury ford field ham holm hurst ley mere moor mouth port stead ton vale wick wood".split()
GENRES = ("drama", "comedy", "thriller", "sci-fi", "fantasy", "action", "crime", "romance", "horror", "war")
COUNTRIES = ("RU", "US", "FR", "GB", "DE", "IT", "JP", "KR", "ES", "SU")


def _title(rng: random.Random, russian: bool) -> str:
    adj, noun, tail = (RU_ADJ, RU_NOUN, RU_TAIL) if russian else (EN_ADJ, EN_NOUN, EN_TAIL)
    shape = rng.random()
    a, n, t = rng.choice(adj), rng.choice(noun), rng.choice(tail)
    if russian:
        words = [a, n] if shape < 0.3 else [n, t] if shape < 0.6 else [a, n, t]
    else:
        words = [a, n] if shape < 0.3 else [n, "of", t] if shape < 0.6 else ["the", a, n, "of", t]
    return " ".join(words).capitalize()


def places(russian: bool) -> list[str]:
    roots, endings = (RU_PLACE_ROOTS, RU_PLACE_ENDINGS) if russian else (EN_PLACE_ROOTS, EN_PLACE_ENDINGS)
    return [root + ending for root in roots for ending in endings]


# Draws of a short title in a row that may all be taken before a language counts as full: at
# 100,000 films a draw is taken about once in ten at worst, so this never happens before the
# short titles are gone, and smaller catalogs are those the generator always made.
FULL_AFTER_TRIES = 200


def films(count: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    seen: set[str] = set()
    full = {True: False, False: False}
    where = {True: ("в", places(True)), False: ("in", places(False))}

    def fresh(russian: bool) -> str:
        tries = 0
        while True:
            title = _title(rng, russian)
            if full[russian]:
                preposition, names = where[russian]
                title = f"{title} {preposition} {rng.choice(names)}"
            if title.lower() not in seen:
                seen.add(title.lower())
                return title
            tries += 1
            full[russian] = full[russian] or tries >= FULL_AFTER_TRIES

    for _ in range(count):
        russian = rng.random() < 0.5
        title = fresh(russian)
        original = fresh(not russian) if rng.random() < 0.4 else title
        year = rng.randint(1925, 2025)
        access = rng.choices(("free", "subscription", "purchase"), weights=(2, 6, 2))[0]
        yield {
            "title": title,
            "original_title": original,
            "description": " ".join(
                rng.choice(RU_NOUN if russian else EN_NOUN) for _ in range(rng.randint(8, 20))
            ),
            "year": year,
            "duration_seconds": rng.randint(70, 180) * 60,
            "age_rating": rng.choice(("0+", "6+", "12+", "16+", "18+")),
            "countries": [rng.choice(COUNTRIES)],
            "genres": rng.sample(GENRES, rng.randint(1, 3)),
            "access": access,
            "price": {"amount": rng.choice((14900, 19900, 29900)), "currency": "RUB"}
            if access == "purchase"
            else None,
            "rating_avg": round(rng.uniform(1, 10), 2),
            "rating_count": rng.randint(0, 5000),
            "people": [
                {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "role": role}
                for role in ("director", "actor", "actor")
            ],
        }


def genre_rows() -> list[dict[str, str]]:
    return [{"slug": slug, "name": slug.replace("-", " ").title()} for slug in GENRES]
