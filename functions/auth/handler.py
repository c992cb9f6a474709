"""Lambda: /auth and /users (API Gateway HTTP API → Mangum → FastAPI)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.http_functions import routers

handler = http_handler("auth", *routers("auth"))
