"""Hardened XML for WeCom payloads: a size limit before parsing, no DTDs, no entities, flat fields.

WeCom's XML is one flat `<xml>` element of text children (CDATA or plain); anything else is refused.
"""

from __future__ import annotations

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

MAX_XML_BYTES = 32 * 1024


class BadXml(ValueError):
    """Malformed, oversized or hostile XML."""


def parse_flat(data: bytes | str, *, limit: int = MAX_XML_BYTES) -> dict[str, str]:
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > limit:
        raise BadXml(f"XML is {len(raw)} bytes; the limit is {limit}")
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXml(f"forbidden XML construct: {type(exc).__name__}") from exc
    except SafeET.ParseError as exc:
        raise BadXml(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadXml(f"expected <xml>, got <{root.tag}>")
    fields: dict[str, str] = {}
    for child in root:
        if len(child):  # nested elements (e.g. an event's list) are kept as their text only
            fields[child.tag] = "".join(child.itertext()).strip()
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields
