"""Lambda: the personal cabinet (/me/history, /me/continue-watching, /me/favorites, /me/films/{id})."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.http_functions import routers

handler = http_handler("account", *routers("account"))
