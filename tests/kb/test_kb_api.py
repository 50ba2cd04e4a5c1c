"""/api/v1/kb/articles: list with q, language, category, status and cursor; read with translations;
create; PATCH with a version (409 when stale); vote. Exact fields, visibility as on the pages."""

import pytest

from klient.service.kb.models import Article, ArticleVersion, ArticleVote

pytestmark = pytest.mark.django_db


def test_the_list_has_exact_fields_and_is_searchable(
    api, alice, public_article, internal_article, draft_article
):
    response = api(alice).get("/kb/articles", q="zolc", language="pl")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": public_article.pk,
                "slug": "delivery-times",
                "status": "public",
                "category": public_article.category_id,
                "language": "pl",
                "title": "Czas dostawy",
                "languages": ["en", "pl"],
                "helpful_count": 0,
                "not_helpful_count": 0,
                "version": 3,
                "updated_at": response.json()["items"][0]["updated_at"],
            }
        ],
        "next": None,
    }
    ids = [item["id"] for item in api(alice).get("/kb/articles").json()["items"]]
    assert sorted(ids) == sorted([public_article.pk, internal_article.pk])
    internal = api(alice).get("/kb/articles", status="internal").json()["items"]
    assert [item["id"] for item in internal] == [internal_article.pk]


def test_portal_customers_list_public_articles_only(
    api, paula, public_article, internal_article, draft_article
):
    items = api(paula).get("/kb/articles").json()["items"]
    assert [item["slug"] for item in items] == ["delivery-times"]
    assert api(paula).get(f"/kb/articles/{internal_article.pk}").status_code == 404


def test_the_list_pages_by_cursor(api, sam, vera):
    client = api(sam)
    for number in range(3):
        client.post("/kb/articles", {"language": "en", "title": f"Article {number}", "body": "Text"})
    first = client.get("/kb/articles", limit=2).json()
    second = client.get("/kb/articles", limit=2, cursor=first["next"]).json()
    assert [item["title"] for item in first["items"] + second["items"]] == [
        "Article 2",
        "Article 1",
        "Article 0",
    ]
    assert second["next"] is None
    assert client.get("/kb/articles", cursor="forged").status_code == 400


def test_read_one_with_its_translations(api, sam, public_article):
    response = api(sam).get(f"/kb/articles/{public_article.pk}")
    data = response.json()
    assert set(data) == {
        "id", "slug", "status", "category", "created_by", "published_at", "helpful_count",
        "not_helpful_count", "public_url", "translations", "version", "created_at", "updated_at",
    }  # fmt: skip
    assert (data["status"], data["created_by"], data["public_url"]) == (
        "public",
        "vera",
        "http://127.0.0.1:8000/help/delivery-times/",
    )
    assert [
        (item["language"], item["title"], item["version"], item["updated_by"])
        for item in data["translations"]
    ] == [
        ("en", "Delivery times", 1, "vera"),
        ("pl", "Czas dostawy", 1, "vera"),
    ]


def test_create_and_patch_with_versions(api, sam, delivery):
    client = api(sam)
    created = client.post(
        "/kb/articles",
        {"language": "en", "title": "Returns", "body": "Within 14 days.", "category": delivery.pk},
    )
    assert created.status_code == 201
    article = created.json()
    assert (article["status"], article["slug"], article["version"], article["public_url"]) == (
        "draft",
        "returns",
        1,
        None,
    )
    patched = client.patch(
        f"/kb/articles/{article['id']}",
        {"version": 1, "language": "pl", "title": "Zwroty", "body": "W ciągu 14 dni.", "status": "internal"},
    )
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["version"]) == ("internal", 3)
    assert [item["language"] for item in patched.json()["translations"]] == ["en", "pl"]
    stale = client.patch(f"/kb/articles/{article['id']}", {"version": 1, "slug": "other"})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 3
    assert Article.objects.get().slug == "returns"
    assert ArticleVersion.objects.count() == 2


def test_writes_are_refused_without_the_permission(api, alice, sam, internal_article):
    assert api(alice).post("/kb/articles", {"language": "en", "title": "X", "body": "Y"}).status_code == 403
    refused = api(sam).patch(f"/kb/articles/{internal_article.pk}", {"version": 2, "status": "public"})
    assert refused.status_code == 403
    assert Article.objects.get(pk=internal_article.pk).status == "internal"
    bad = api(sam).post("/kb/articles", {"language": "xx", "title": "X", "body": "Y"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "language"


def test_vote_once_per_user(api, alice, paula, public_article):
    assert api(alice).post(f"/kb/articles/{public_article.pk}/vote", {"helpful": True}).json() == {
        "article": public_article.pk,
        "helpful": True,
        "helpful_count": 1,
        "not_helpful_count": 0,
    }
    api(alice).post(f"/kb/articles/{public_article.pk}/vote", {"helpful": True})
    last = (
        api(paula).post(f"/kb/articles/{public_article.pk}/vote", {"helpful": False, "language": "pl"}).json()
    )
    assert (last["helpful_count"], last["not_helpful_count"]) == (1, 1)
    assert ArticleVote.objects.count() == 2
