"""A browser for tests over real HTTP: forms of server-rendered pages and a user agent that
keeps cookies and follows redirects only between the sites it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from .helpers import query_of, redirect_status

__all__ = [
    "Browser",
    "Form",
    "forms_of",
    "location",
    "only_form",
    "path_of",
    "query_of",
    "redirect_status",
]

TIMEOUT = 10
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


# The language switch and the logout in every page's header are chrome, not the page's forms.
CHROME_FORMS = ("language-switch", "logout-form")


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.in_chrome = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_chrome = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") in CHROME_FORMS:
            self.in_chrome = True
        elif self.in_chrome:
            return
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif self.forms and tag == "input" and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif self.forms and tag == "button" and a.get("name"):
            self.forms[-1].buttons.append((a["name"], a.get("value", "")))


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def only_form(html: str) -> Form:
    forms = forms_of(html)
    assert len(forms) == 1, f"expected one form, got {len(forms)}:\n{html}"
    return forms[0]


def path_of(response: requests.Response) -> str:
    return urlsplit(response.url).path


def location(response: requests.Response) -> str:
    """Where a redirect sends the browser (one the browser did not follow): a 302 answering a
    GET, a 303 answering a POST."""
    expected = redirect_status(response.request.method or "GET")
    assert response.status_code == expected, (
        response.status_code,
        response.request.method,
        response.url,
        response.text,
    )
    return response.headers["Location"]


class Browser:
    """A cookie-keeping user agent. It follows redirects between the servers in ``sites``
    and stops at a redirect anywhere else (a relying party's redirect URI is not served),
    returning that redirect; also at one to a URL starting with one of ``stop_at`` (a
    relying party on a site's own origin, such as /demo-rp/)."""

    def __init__(
        self, *sites: str, language: str | None = None, stop_at: tuple[str, ...] = ()
    ) -> None:
        assert sites, "a browser needs at least one site"
        self.sites = sites
        self.stop_at = stop_at
        self.http = requests.Session()
        if language is not None:
            self.http.headers["Accept-Language"] = language

    def close(self) -> None:
        self.http.close()

    def within(self, url: str) -> bool:
        return any(url.startswith(site + "/") for site in self.sites)

    def _settle(self, response: requests.Response) -> requests.Response:
        for _ in range(10):
            if response.status_code not in REDIRECTS:
                return response
            if self.within(response.url):
                # Only the IdP's own answers are held to this; a relying party may differ.
                expected = redirect_status(response.request.method or "GET")
                assert response.status_code == expected, (response.status_code, response.url)
            target = urljoin(response.url, response.headers["Location"])
            if not self.within(target) or target.startswith(self.stop_at):
                return response
            response = self.http.get(target, allow_redirects=False, timeout=TIMEOUT)
        raise AssertionError("redirect loop")

    def get(self, url: str) -> requests.Response:
        return self._settle(self.http.get(url, allow_redirects=False, timeout=TIMEOUT))

    def submit(
        self, page: requests.Response, action: str | None = None, /, **values: str
    ) -> requests.Response:
        """Post the page's form (its only one, or the one whose action ends with ``action``)
        with its hidden fields, CSRF token included, and ``values``."""
        assert page.status_code == 200, (page.status_code, page.url, page.text)
        if action is None:
            form = only_form(page.text)
        else:
            forms = [f for f in forms_of(page.text) if urlsplit(f.action).path.endswith(action)]
            assert len(forms) == 1, (action, page.url, page.text)
            form = forms[0]
        assert form.method == "post"
        assert form.fields.get("csrf_token"), "form has no CSRF token"
        url = urljoin(page.url, form.action)
        assert self.within(url), url
        response = self.http.post(
            url, data={**form.fields, **values}, allow_redirects=False, timeout=TIMEOUT
        )
        return self._settle(response)

    def log_in(
        self, page: requests.Response, username: str, password: str, code: str
    ) -> requests.Response:
        """Username -> password -> one-time code, each a server-rendered form with a CSRF
        token; returns the answer to the code."""
        assert path_of(page) == "/login/", (page.url, page.text)
        page = self.submit(page, username=username)
        assert path_of(page) == "/login/password", (page.url, page.text)
        page = self.submit(page, password=password)
        assert path_of(page) == "/login/code", (page.url, page.text)
        return self.submit(page, code=code)
