"""Every status a route can answer is in the OpenAPI document, with the body's schema.

Most error answers follow from what a route is made of, so `document_errors` documents them
from that, in one place, in the document of every app `build_app` assembles (routes added
after it included):

- a dependency that can refuse says so with `@answers(...)` (the signed-in user: 401 for no
  or a bad token, 403 for a disabled account or a role too low);
- a path parameter: 404 (no such thing);
- a request body: 400 (unparseable) and 413 (over the body cap, core/body_limit.py);
- any parameter or body: 422, added by FastAPI, in its validation shape, which the
  application's own 422s share (core/errors.py renders them so).

What only a route knows (402, 409, 429, a specific 400 ...) it declares itself, with
`responses=errors(...)` or a description of its own: a route's own entry wins, and an error
entry without a body schema gets the standard one.
"""

import copy
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import validation_error_definition, validation_error_response_definition
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from cinema.core.schemas import ApiModel

F = TypeVar("F", bound=Callable[..., Any])

ANSWERS_ATTRIBUTE = "__cinema_answers__"


class ErrorOut(ApiModel):
    detail: str


def _validation_schema() -> dict[str, Any]:
    """FastAPI's HTTPValidationError, self-contained (no reference to resolve)."""
    schema = copy.deepcopy(validation_error_response_definition)
    schema["properties"]["detail"]["items"] = copy.deepcopy(validation_error_definition)
    return schema


DESCRIPTIONS = {
    400: "malformed request: an unparseable body, or a token or signature that is refused",
    401: "missing, invalid or expired access token (WWW-Authenticate: Bearer)",
    402: "a subscription or a purchase is needed",
    403: "not allowed: a role too low or a disabled account",
    404: "no such resource",
    409: "conflicts with the current state",
    413: "request body too large",
    422: "invalid parameters or body",
    429: "too many requests (see Retry-After)",
    502: "the payment provider did not answer as expected",
    503: "a service this route needs is not available",
}


@cache
def _contents() -> tuple[dict[str, Any], dict[str, Any]]:
    """The body schemas of an error answer and of a 422, made when a document is first built."""
    return (
        {"application/json": {"schema": ErrorOut.model_json_schema()}},
        {"application/json": {"schema": _validation_schema()}},
    )


def _content(code: int) -> dict[str, Any]:
    error, validation = _contents()
    return copy.deepcopy(validation if code == 422 else error)


def errors(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """A route's `responses` for `codes` (standard descriptions) and `described` (`e409="the
    review exists"`: the code after `e`, with a description of its own). Their body schemas are
    added with the document (`document_errors`), not when the route is declared."""
    wanted: dict[int, str | None] = dict.fromkeys(codes)
    wanted |= {int(name.removeprefix("e")): text for name, text in described.items()}
    return {code: {"description": text or DESCRIPTIONS[code]} for code, text in sorted(wanted.items())}


def answers(*codes: int) -> Callable[[F], F]:
    """Marks a dependency with the error statuses it can answer, for every route using it."""

    def mark(dependency: F) -> F:
        setattr(dependency, ANSWERS_ATTRIBUTE, codes)
        return dependency

    return mark


def _dependency_codes(dependencies: Iterable[Dependant]) -> set[int]:
    codes: set[int] = set()
    for sub in dependencies:
        codes |= set(getattr(sub.call, ANSWERS_ATTRIBUTE, ()))
        codes |= _dependency_codes(sub.dependencies)
    return codes


def _route_codes(route: Any) -> set[int]:
    codes = _dependency_codes(route.dependant.dependencies)
    if route.dependant.path_params:
        codes.add(404)
    if route.body_field is not None:
        codes |= {400, 413}
    return codes


def document_errors(schema: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """Adds the derived error answers to the operations of `schema` (the document FastAPI
    built from `routes`), and the standard body schema to error answers that name none."""
    for context in iter_route_contexts(list(routes)):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        operations = schema.get("paths", {}).get(context.path_format, {})
        for method in context.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            answers = operation.setdefault("responses", {})
            for code in sorted(_route_codes(context)):
                answers.setdefault(str(code), {"description": DESCRIPTIONS[code]})
            for code, entry in answers.items():
                if code.isdigit() and int(code) >= 400 and "content" not in entry:
                    entry["content"] = _content(int(code))
    return schema
