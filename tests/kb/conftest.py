"""Fixtures of the knowledge base's tests: sam the agent writes, vera the service-desk manager
publishes (the sales side reads), and a small knowledge base: a category and three articles (a public
one in English and Polish, an internal one, a draft)."""

from collections.abc import Callable
from typing import Any

import pytest

from klient.core.models import Role, User
from klient.service.kb.models import Article, KbCategory
from klient.service.kb.services import article_create, article_set_status, category_create, translation_save


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings: Any) -> None:
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def vera(make_user: Callable[..., User]) -> User:
    return make_user("vera", Role.SERVICE_MANAGER, first_name="Vera", last_name="Vance")


@pytest.fixture
def delivery(vera: User) -> KbCategory:
    return category_create(actor=vera, names={"en": "Delivery", "pl": "Dostawa"})


@pytest.fixture
def public_article(vera: User, delivery: KbCategory) -> Article:
    """Public, in English and Polish: delivery times."""
    article = article_create(
        actor=vera,
        language="en",
        title="Delivery times",
        body="Orders placed before noon leave the warehouse the same day.\n\nTrack them at https://track.example.com.",
        category=delivery,
    )
    translation_save(
        article=article,
        actor=vera,
        language="pl",
        title="Czas dostawy",
        body="Zamówienia złożone przed południem wysyłamy tego samego dnia. Żółć nie ma tu nic do rzeczy.",
    )
    return article_set_status(article=article, actor=vera, status="public")


@pytest.fixture
def internal_article(sam: User) -> Article:
    article = article_create(
        actor=sam,
        language="en",
        title="Refunds to a closed card",
        body="Ask finance for a bank transfer refund.",
    )
    return article_set_status(article=article, actor=sam, status="internal")


@pytest.fixture
def draft_article(sam: User) -> Article:
    return article_create(actor=sam, language="en", title="Draft on returns", body="Returns within 30 days.")
