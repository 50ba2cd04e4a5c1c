"""Who sees which companies: own / team / all by role, account teams, administrators' role settings."""

import pytest
from django.contrib.auth.models import AnonymousUser

from klient.core.models import Role, RoleSetting, Team, User, Visibility
from klient.core.services import team_get_or_create, user_set_role
from klient.core.visibility import role_visibility
from klient.customers.models import AccountTeamMember, Company
from klient.customers.services import company_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies(alice, bob, carol):
    """One company per account manager, named after the owner."""
    return {
        "alice": company_create(actor=alice, name="Alice Co"),
        "bob": company_create(actor=bob, name="Bob Co"),
        "carol": company_create(actor=carol, name="Carol Co"),
    }


def visible_names(user) -> list[str]:
    return list(Company.objects.visible_to(user).order_by("name").values_list("name", flat=True))


def test_the_default_visibility_of_every_role():
    assert {role: role_visibility(role) for role in Role.values} == {
        "admin": "all",
        "sales_manager": "team",
        "account_manager": "own",
        "telesales": "own",
        "sales_consultant": "own",
        "presales": "own",
        "service_agent": "all",
        "service_manager": "all",
        "finance": "all",
        "logistics": "all",
        "read_only": "all",
        "portal": "own",
    }
    assert RoleSetting.objects.count() == len(Role.values)


def test_an_account_manager_sees_only_their_own_companies(alice, bob, companies):
    assert visible_names(alice) == ["Alice Co"]
    assert visible_names(bob) == ["Bob Co"]


def test_an_account_manager_sees_companies_whose_account_team_they_are_on(alice, carol, companies):
    AccountTeamMember.objects.create(company=companies["carol"], user=alice, role="technical lead")
    assert visible_names(alice) == ["Alice Co", "Carol Co"]
    assert visible_names(carol) == ["Carol Co"]


def test_a_sales_manager_sees_their_teams_companies(mike, companies):
    assert visible_names(mike) == ["Alice Co", "Bob Co"]


def test_a_sales_manager_also_sees_the_teams_they_lead(make_user, mike, companies):
    east = Team.objects.create(name="East", lead=mike)
    erin = make_user("erin", Role.ACCOUNT_MANAGER, east)
    company_create(actor=erin, name="Erin Co")
    # A company filed under East, owned by someone outside it, is East's too.
    company_create(actor=erin, name="Filed under East", owner=None, team=east)
    assert visible_names(mike) == ["Alice Co", "Bob Co", "Erin Co", "Filed under East"]


def test_team_visibility_follows_the_company_team_and_the_owners_team(alice, mike, carol, south, north):
    company_create(actor=carol, name="Carol's, filed under North", team=north)
    company_create(actor=alice, name="Alice's, filed under South", team=south)
    assert visible_names(mike) == ["Alice's, filed under South", "Carol's, filed under North"]


@pytest.mark.parametrize("role", [Role.SERVICE_AGENT, Role.SERVICE_MANAGER, Role.FINANCE, Role.READ_ONLY])
def test_service_finance_and_read_only_roles_see_every_company(make_user, companies, role):
    assert visible_names(make_user("viewer", role)) == ["Alice Co", "Bob Co", "Carol Co"]


def test_administrators_see_every_company(root, companies):
    assert visible_names(root) == ["Alice Co", "Bob Co", "Carol Co"]


def test_portal_customers_and_anonymous_visitors_see_nothing(paula, companies):
    assert visible_names(paula) == []
    assert visible_names(AnonymousUser()) == []


def test_a_disabled_user_sees_nothing(alice, companies):
    alice.is_active = False
    assert visible_names(alice) == []


def test_an_administrator_can_widen_a_roles_visibility_to_the_team(tom, alice, companies):
    assert visible_names(tom) == []
    RoleSetting.objects.filter(role=Role.TELESALES).update(visibility=Visibility.TEAM)
    # The scope is read once per user object (one request); a new request reads the new setting.
    assert visible_names(User.objects.get(pk=tom.pk)) == ["Alice Co", "Bob Co"]


def test_an_administrator_changes_a_role_setting_in_the_admin(login, root, tom, api, companies):
    setting = RoleSetting.objects.get(role=Role.TELESALES)
    tom_api = api(tom)
    assert tom_api.get("/companies").json()["items"] == []

    response = login(root).post(
        f"/admin/core/rolesetting/{setting.pk}/change/", {"role": Role.TELESALES, "visibility": "team"}
    )

    assert response.status_code == 302
    assert RoleSetting.objects.get(role=Role.TELESALES).visibility == "team"
    assert [c["name"] for c in tom_api.get("/companies").json()["items"]] == ["Alice Co", "Bob Co"]


def test_narrowing_a_role_to_own_hides_the_rest(sam, alice, companies):
    company_create(actor=alice, name="Sam's", owner=sam)
    RoleSetting.objects.filter(role=Role.SERVICE_AGENT).update(visibility=Visibility.OWN)
    assert visible_names(sam) == ["Sam's"]


def test_moving_a_user_to_another_team_moves_their_sight(mike, carol, companies):
    south = team_get_or_create(name="South")
    Team.objects.filter(name="North").update(lead=None)
    user_set_role(user=mike, role=Role.SALES_MANAGER, team=south, actor=None)
    assert visible_names(mike) == ["Carol Co"]
