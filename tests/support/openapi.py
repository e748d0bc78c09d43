"""Vendor OpenAPI specs for tests: load once, mend where a spec needs it, validate real responses.

The specs live in `../shared/vendor-specs/` (see CONVENTIONS.md there). They are never edited;
the mends a spec needs are applied to the loaded document:

- Harvest (OpenAPI 3.0.1): YAML reads unquoted status codes (`200:`) as integers, so every mapping
  key becomes a string; three properties use `anyOf: [{type: object, $ref}, {type: 'null'}]`,
  which OpenAPI 3.0 does not allow, so they become a nullable `allOf` of the `$ref`. And where the
  spec and Harvest's prose disagree, the prose wins: on a page reached by cursor, `page` is null
  except on the last page (help.getharvest.com/api-v2/introduction/overview/pagination), so every
  list envelope's `page` becomes nullable (docs/decisions.md).
- Gusto (OpenAPI 3.1): loads as is (about 6 s, hence one load per test session).

A sandbox serves each vendor under its own prefix (`http://127.0.0.1:PORT/harvest/v2`), while a
spec names the vendor's own server (`https://api.harvestapp.com/v2`); `validate_response` maps one
onto the other before openapi-core looks the operation up.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPECS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "vendor-specs"
GUSTO_SPEC = SPECS_DIR / "gusto-openapi.yaml"
HARVEST_SPEC = SPECS_DIR / "harvest-openapi.yaml"
GUSTO_SERVER = "https://api.gusto.com"
HARVEST_SERVER = "https://api.harvestapp.com/v2"

# Harvest properties whose `anyOf` of a $ref and null is not OpenAPI 3.0 (schema -> properties).
HARVEST_NULLABLE_REFS = {
    "TimeEntry": ("user_assignment", "task_assignment"),
    "Expense": ("user_assignment",),
}

Mend = Callable[[dict[str, Any]], dict[str, Any]]


def _yaml_loader() -> type[yaml.SafeLoader]:
    # The C loader is several times faster on the 1.4 MB Gusto spec.
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_spec(path: Path) -> dict[str, Any]:
    """The spec at `path` as plain Python data, unmended."""
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=_yaml_loader())


def stringify_keys(node: Any) -> Any:
    """The same document with every mapping key turned into a string (`200` -> `"200"`)."""
    if isinstance(node, dict):
        return {str(key): stringify_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [stringify_keys(item) for item in node]
    return node


def mend_harvest(spec: dict[str, Any]) -> dict[str, Any]:
    """Make the community Harvest spec valid OpenAPI 3.0 (see the module docstring)."""
    spec = stringify_keys(spec)
    schemas = spec["components"]["schemas"]
    for schema_name, properties in HARVEST_NULLABLE_REFS.items():
        for prop in properties:
            node = schemas[schema_name]["properties"][prop]
            refs = [option["$ref"] for option in node.pop("anyOf", []) if "$ref" in option]
            if refs:
                node["allOf"] = [{"$ref": refs[0]}]
                node["nullable"] = True
                node.pop("type", None)
    for schema in schemas.values():
        properties = schema.get("properties", {})
        if "links" in properties and "page" in properties:
            properties["page"]["nullable"] = True
    return spec


@functools.cache
def _spec_document(path: Path, mend: Mend | None) -> dict[str, Any]:
    spec = read_spec(path)
    return mend(spec) if mend is not None else spec


@functools.cache
def load_openapi(path: Path, mend: Mend | None = None) -> OpenAPI:
    """An openapi-core validator over the spec at `path`, built once per process."""
    return OpenAPI.from_dict(_spec_document(path, mend))


def validate_component(
    path: Path, schema_name: str, instance: object, mend: Mend | None = None
) -> None:
    """Raise if `instance` breaks `#/components/schemas/<schema_name>` of an OpenAPI 3.1 spec.

    For operations whose declared response schema no real answer can satisfy (Gusto's token
    response is a `oneOf` of two schemas, one a refinement of the other, so every refresh answer
    matches both), tests validate against the intended component instead.
    """
    document = _spec_document(path, mend)
    uri = "urn:crosswalk:spec"
    registry = Registry().with_resource(
        uri, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"{uri}#/components/schemas/{schema_name}"}
    OAS31Validator(schema, registry=registry).validate(instance)


def gusto_openapi() -> OpenAPI:
    """Gusto's published spec (loads as is)."""
    return load_openapi(GUSTO_SPEC)


def harvest_openapi() -> OpenAPI:
    """The community Harvest v2 spec with its load-time mends."""
    return load_openapi(HARVEST_SPEC, mend_harvest)


def spec_request(response: httpx.Response, *, sandbox_base: str, spec_server: str) -> MockRequest:
    """The request behind `response`, re-addressed from the sandbox to the spec's server."""
    request = response.request
    url = str(request.url).split("?", 1)[0]
    if not url.startswith(sandbox_base):
        raise ValueError(f"{url} is not under {sandbox_base}")
    vendor_url = urlsplit(spec_server + url[len(sandbox_base) :])
    body = request.content if request.content else None
    return MockRequest(
        host_url=f"{vendor_url.scheme}://{vendor_url.netloc}",
        method=request.method.lower(),
        path=vendor_url.path,
        args=dict(request.url.params.multi_items()),
        headers=dict(request.headers),
        data=body,
        content_type=request.headers.get("content-type", "application/json"),
    )


def spec_response(response: httpx.Response) -> MockResponse:
    """`response` as openapi-core reads it (status, headers, body bytes)."""
    content_type = response.headers.get("content-type", "application/json")
    return MockResponse(
        data=response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=content_type.split(";", 1)[0].strip().lower(),
    )


def validate_response(
    openapi: OpenAPI, response: httpx.Response, *, sandbox_base: str, spec_server: str
) -> None:
    """Raise if `response` (status, declared headers, body) breaks the spec's operation.

    Args:
        openapi: a validator from `load_openapi`.
        response: a real response from the sandbox; its request locates the operation.
        sandbox_base: the vendor's base URL in the sandbox, e.g. `http://127.0.0.1:8700/gusto`.
        spec_server: the URL the spec's paths hang from, e.g. `https://api.gusto.com`.
    """
    openapi.validate_response(
        spec_request(response, sandbox_base=sandbox_base, spec_server=spec_server),
        spec_response(response),
    )
