"""The OIOSAML 3 attributes of an assertion about a person (professional person attribute profile).

The names are the ones the OIDC claims already use (DESIGN.md §5), so both faces say the same
things in the same words. Always sent: the profile version, the NSIS levels this login reached
(loa = min(ial, aal), and each of them) and who the person is as a professional: the persistent
UUID, the CVR number and the organisation's name. Sent when the service provider's metadata asks
for them (``RequestedAttribute``): e-mail, first, last and full name, and the rights as an OIO
Basic Privilege Profile list (base64 XML). An attribute whose value is not known is left out,
never sent empty. RID (deprecated by OIOSAML 3) is not sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ... import assurance
from ...models import User
from ...privileges import CLAIM_PRIVILEGES, privileges_claim
from ..oauth.tokens import AuthContext

SPEC_VERSION = "https://data.gov.dk/model/core/specVersion"
SPEC_VERSION_VALUE = "OIO-SAML-3.0"
UUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
ORG_NAME = "https://data.gov.dk/model/core/eid/professional/orgName"
EMAIL = "https://data.gov.dk/model/core/eid/email"
FIRST_NAME = "https://data.gov.dk/model/core/eid/firstName"
LAST_NAME = "https://data.gov.dk/model/core/eid/lastName"
FULL_NAME = "https://data.gov.dk/model/core/eid/fullName"
PRIVILEGES = CLAIM_PRIVILEGES


def assertion_attributes(
    person: User, context: AuthContext, requested: Iterable[str] = ()
) -> dict[str, str]:
    """Attribute name -> value for an assertion about ``person`` after the login ``context``
    describes; ``requested``: the names the SP's metadata asks for."""
    org = person.organisation
    values: dict[str, str | None] = {
        SPEC_VERSION: SPEC_VERSION_VALUE,
        assurance.CLAIM_LOA: assurance.level_of_assurance(context.ial, context.aal),
        assurance.CLAIM_IAL: context.ial,
        assurance.CLAIM_AAL: context.aal,
        UUID: f"urn:uuid:{person.uuid}",
        CVR: org.cvr,
        ORG_NAME: org.name,
    }
    # Worked out only when asked for (the rights are an XML document to build).
    on_request: dict[str, Callable[[], str | None]] = {
        EMAIL: lambda: person.email,
        FIRST_NAME: lambda: person.given_name,
        LAST_NAME: lambda: person.family_name,
        FULL_NAME: lambda: person.name,
        PRIVILEGES: lambda: privileges_claim(org.cvr, sorted(set(person.privileges or []))),
    }
    wanted = set(requested)
    values.update({name: value() for name, value in on_request.items() if name in wanted})
    return {name: value for name, value in values.items() if value}
