"""The "Reports" menu item and the reports' index follow the permissions."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _nav(html: str) -> list[str]:
    return re.findall(r'data-nav="([a-z_]+)"', html)


def test_sales_users_get_the_reports_item_and_both_reports(alice, login):
    home = login(alice).get("/")
    assert "reports" in _nav(home.content.decode())
    index = login(alice).get("/reports/")
    assert index.status_code == 200
    # alice also reads her customers' tickets, so the service reports are listed too.
    assert re.findall(r'data-report="([a-z]+)"', index.content.decode()) == ["calls", "monthly", "service"]


def test_other_roles_get_neither(sam, rita, login):
    for user in (sam, rita):
        assert "reports" not in _nav(login(user).get("/").content.decode())
        assert login(user).get("/reports/").status_code == 403
        assert login(user).get("/reports/monthly/").status_code == 403
