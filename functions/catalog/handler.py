"""Lambda: public catalog reads (/films, /films/popular, /films/{id}, /genres)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.catalog.router import router
from cinema.core.lambda_http import http_handler

handler = http_handler("catalog", router)
