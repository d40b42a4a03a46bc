"""Rights as OIO Basic Privilege Profile (OIOSAML 3 BPP) and as a plain list. Pure functions.

A person's privileges are URNs; when issued they are scoped to the organisation's CVR:
``<bpp:PrivilegeList><PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:<CVR>">
<Privilege>urn:…</Privilege></PrivilegeGroup></bpp:PrivilegeList>``, base64-encoded.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

BPP_NAMESPACE = "http://digst.dk/oiosaml/basic_privilege_profile"
CVR_SCOPE = "urn:dk:gov:saml:cvrNumberIdentifier:"
CLAIM_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
URN_PATTERN = re.compile(
    r"^urn:[a-z0-9][a-z0-9-]{0,31}:[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+$", re.IGNORECASE
)


def is_privilege(value: str) -> bool:
    """A privilege is a URN (RFC 8141 syntax)."""
    return bool(URN_PATTERN.match(value))


def privilege_list_xml(cvr: str, privileges: list[str]) -> bytes:
    ET.register_namespace("bpp", BPP_NAMESPACE)
    root = ET.Element(f"{{{BPP_NAMESPACE}}}PrivilegeList")
    group = ET.SubElement(root, "PrivilegeGroup", {"Scope": CVR_SCOPE + cvr})
    for privilege in privileges:
        ET.SubElement(group, "Privilege").text = privilege
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def privileges_claim(cvr: str, privileges: list[str]) -> str:
    """The base64 value of the ``privilegesIntermediate`` claim."""
    return base64.b64encode(privilege_list_xml(cvr, privileges)).decode("ascii")
