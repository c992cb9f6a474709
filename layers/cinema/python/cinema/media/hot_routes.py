"""The playback routes' arguments read by hand when the request is well formed.

/play and the heartbeat are the platform's busiest requests (every viewer, every 10-15 s),
and FastAPI's general request handling (reading the body through `email.message`, solving
the dependency tree, validating each parameter through its own field) costs them more than
their own work. `HotRoute` is declared like any route, `(film_id: UUID, [body: Model,]
viewer: CurrentViewer)`, so the OpenAPI document is FastAPI's, from the signature. A request
whose film id (and X-Profile-Id, if sent) is a UUID in its usual form and whose body, if any,
is `application/json` that the model accepts is answered by calling the endpoint directly, the
caller authenticated and their profile chosen as `CurrentViewer` does (`current_user`, then
`viewer_of`); anything else (a malformed id, header or body, another content type, a failed
body read) goes to FastAPI's own handler for the route, so every refusal, 422s included, is
exactly FastAPI's and comes in its order (a body that is not JSON before authentication,
invalid values after it).
"""

import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response, routing
from fastapi.routing import APIRoute
from pydantic import BaseModel

from cinema.auth.dependencies import bearer_token, current_user
from cinema.profiles.dependencies import HEADER, current_viewer, viewer_of

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class HotRoute(APIRoute):
    dispatch_first = True  # at the head of the app's routes too (cinema.core.hot_dispatch)

    def _check_shape(self) -> None:
        dependant = self.dependant
        (path_param,) = dependant.path_params
        (auth,) = dependant.dependencies
        model = self.body_field.field_info.annotation if self.body_field else None
        if (
            path_param.field_info.annotation is not uuid.UUID
            or auth.call is not current_viewer
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or len(dependant.body_params) > 1
            or not (model is None or (isinstance(model, type) and issubclass(model, BaseModel)))
            or dependant.request_param_name
            or dependant.background_tasks_param_name
            or dependant.response_param_name
        ):
            raise TypeError(
                f"{self.path}: a HotRoute takes (UUID path parameter, [body model,] CurrentViewer)"
            )

    def get_route_handler(self) -> Handler:
        general = super().get_route_handler()
        self._check_shape()
        context_var = getattr(routing, "_effective_route_context_var", None)
        context = context_var.get() if context_var is not None else None
        # Included with dependencies of the router's or the app's: only FastAPI solves those.
        if (
            context is not None
            and context.original_route is self
            and len(context.dependant.dependencies) != len(self.dependant.dependencies)
        ):
            return general
        return _fast(self, general)


def _usual_uuid(raw: object) -> uuid.UUID | None:
    """A UUID in its usual form only (36 characters): uuid.UUID reads forms pydantic may not."""
    if not isinstance(raw, str) or len(raw) != 36:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _fast(route: HotRoute, general: Handler) -> Handler:
    endpoint = route.endpoint
    path_name = route.dependant.path_params[0].name
    path_alias = route.dependant.path_params[0].alias
    user_name = route.dependant.dependencies[0].name
    body_name = route.body_field.name if route.body_field else None
    model: type[BaseModel] | None = route.body_field.field_info.annotation if route.body_field else None  # type: ignore[assignment]

    async def handler(request: Request) -> Response:
        film_id = _usual_uuid(request.path_params.get(path_alias))
        profile = request.headers.get(HEADER)
        wanted = None if profile is None else _usual_uuid(profile)
        if film_id is None or (profile is not None and wanted is None):
            return await general(request)
        arguments: dict[str, Any] = {path_name: film_id}
        if model is not None:
            try:
                raw = await request.body()
            except HTTPException:  # the body cap's 413, as FastAPI lets it through
                raise
            except Exception as exc:  # what FastAPI answers when the body cannot be read
                raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc
            if request.headers.get("content-type") != "application/json" or not raw:
                return await general(request)  # the body is cached: FastAPI reads the same bytes
            try:
                arguments[body_name] = model.model_validate_json(raw)  # type: ignore[index]
            except ValueError:  # ValidationError: FastAPI says what is wrong, in its order
                return await general(request)
        arguments[user_name] = viewer_of(await current_user(bearer_token(request)), wanted)
        response: Response = await endpoint(**arguments)
        return response

    return handler
