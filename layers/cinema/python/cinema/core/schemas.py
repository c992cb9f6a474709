"""The base of every request and response body."""

import warnings

from pydantic import BaseModel, ConfigDict
from pydantic.warnings import UnsupportedFieldAttributeWarning


class ApiModel(BaseModel):
    """A body the API reads or answers, built on first use (`defer_build`): its validator and
    serializer are made when a request first needs them, not when a function loads. A function
    imports bodies it never serves (another domain's, through a module it shares), and FastAPI
    makes a route's own validator and serializer twice (when the route is declared, and again
    for the app when it routes its first request: included routers are resolved then), so
    building them at import only adds to every cold start."""

    model_config = ConfigDict(defer_build=True)


# FastAPI names an embedded body `body` through an alias in the field's metadata, and silences
# pydantic's warning about it where it builds the field; a field built on first use would print
# it at the first request of such a route instead.
warnings.filterwarnings(
    "ignore", message="The 'alias' attribute with value 'body'", category=UnsupportedFieldAttributeWarning
)
