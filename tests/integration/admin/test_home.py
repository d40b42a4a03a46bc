"""The admin home page's tabs: each role sees the tabs of its pages only."""

from __future__ import annotations

from tests.support.admin import admin, browser, text


def test_tabs_show_the_new_pages_by_role(app):
    http = browser(app, admin(app, "oa", "org_admin"))
    html = text(http.get("/admin/"))
    assert 'href="/admin/services"' in html and 'href="/admin/settings"' in html
    assert 'href="/admin/audit"' in html and 'href="/admin/login-means"' not in html


def test_registrar_sees_the_identity_checks_tab(app):
    html = text(browser(app, admin(app, "reg", "registrar")).get("/admin/"))
    assert 'href="/admin/registrar"' in html and 'href="/admin/services"' not in html
