"""Lambda: staff work (catalog: /admin/films, /admin/genres; the dashboard: /admin/stats;
media: uploads, their resumption and status)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.catalog.admin_router import router as catalog_admin_router
from cinema.catalog.stats_router import router as stats_router
from cinema.core.lambda_http import http_handler
from cinema.media.admin_router import router as media_admin_router

handler = http_handler("admin", catalog_admin_router, stats_router, media_admin_router)
