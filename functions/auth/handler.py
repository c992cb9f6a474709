"""Lambda: /auth and /users (API Gateway HTTP API → Mangum → FastAPI)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.auth.router import router as auth_router
from cinema.auth.users_router import router as users_router
from cinema.core.lambda_http import http_handler

handler = http_handler("auth", auth_router, users_router)
