"""BambooHR's two encodings: JSON when the client sends `Accept: application/json`, XML otherwise.

BambooHR answers XML unless asked for JSON; the emulator serves XML for the directory, a single
employee, table rows and the changed-employee list, and JSON elsewhere. Request bodies arrive as
JSON (`Content-Type: application/json`) or as BambooHR's XML documents
(`<employee><field id="firstName">Jane</field></employee>`, `<row>...</row>`), which is what
older clients such as PyBambooHR send, often with no content type at all.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

import orjson
from starlette.requests import Request
from starlette.responses import Response

from vendor_sandbox.bamboohr.errors import BambooHRError


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "").lower()


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def xml_response(root: ET.Element, status: int = 200) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status, media_type="text/xml")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _field(parent: ET.Element, field_id: str, value: object) -> None:
    node = ET.SubElement(parent, "field", id=field_id)
    text = _text(value)
    if text is not None:
        node.text = text


def directory_xml(fields: Iterable[Mapping[str, str]], employees: Iterable[Mapping]) -> ET.Element:
    """<directory><fieldset><field id=..>Name</field>..</fieldset><employees>..</employees>."""
    root = ET.Element("directory")
    fieldset = ET.SubElement(root, "fieldset")
    for field in fields:
        ET.SubElement(fieldset, "field", id=field["id"]).text = field["name"]
    people = ET.SubElement(root, "employees")
    for employee in employees:
        node = ET.SubElement(people, "employee", id=str(employee["id"]))
        for key, value in employee.items():
            if key != "id":
                _field(node, key, value)
    return root


def employee_xml(employee: Mapping[str, object]) -> ET.Element:
    """<employee id="123"><field id="firstName">Jane</field>...</employee>."""
    root = ET.Element("employee", id=str(employee["id"]))
    for key, value in employee.items():
        if key != "id":
            _field(root, key, value)
    return root


def table_xml(rows: Iterable[Mapping[str, object]]) -> ET.Element:
    """<table><row id="1" employeeId="123"><field id="date">...</field>...</row></table>."""
    root = ET.Element("table")
    for row in rows:
        node = ET.SubElement(root, "row", id=str(row["id"]), employeeId=str(row["employeeId"]))
        for key, value in row.items():
            if key not in ("id", "employeeId"):
                _field(node, key, value)
    return root


def changed_xml(latest: str, employees: Mapping[str, Mapping[str, str]]) -> ET.Element:
    """<employees latest=".."><employee id=".." action=".." lastChanged=".."/>...</employees>."""
    root = ET.Element("employees", latest=latest)
    for entry in employees.values():
        ET.SubElement(
            root,
            "employee",
            id=entry["id"],
            action=entry["action"],
            lastChanged=entry["lastChanged"],
        )
    return root


async def read_fields(request: Request, element: str) -> dict[str, object]:
    """The field/value pairs of a JSON object or of BambooHR's XML `<element>` document.

    JSON scalars are turned to text as BambooHR reads them; objects (such as a compensation
    `rate` of `{"value": "75000.00", "currency": "USD"}`) are passed on as they are.
    """
    raw = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or (not media_type and raw.lstrip()[:1] in (b"{", b"[")):
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BambooHRError(400, f"Malformed JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise BambooHRError(400, "The JSON body must be an object of field names and values")
        return {str(k): v if isinstance(v, dict) else _text(v) for k, v in body.items()}
    return _parse_xml(raw, element)


def _parse_xml(raw: bytes, element: str) -> dict[str, object]:
    # Entity declarations are how XML bombs work; BambooHR documents need none.
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise BambooHRError(400, "Malformed XML: DOCTYPE and ENTITY declarations are refused")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise BambooHRError(400, f"Malformed XML: {exc}") from exc
    if root.tag != element:
        raise BambooHRError(400, f"Malformed XML: the root element must be <{element}>")
    out: dict[str, object] = {}
    for node in root.findall("field"):
        field_id = node.get("id")
        if not field_id:
            raise BambooHRError(400, "Malformed XML: every <field> needs an id attribute")
        out[field_id] = node.text if node.text is not None else None
    return out
