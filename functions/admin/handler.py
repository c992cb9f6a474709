"""Lambda: staff work (catalog: /admin/films, /admin/genres; the dashboard: /admin/stats;
media: uploads, their resumption and status)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.http_functions import routers

handler = http_handler("admin", *routers("admin"))
