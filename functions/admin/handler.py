"""Lambda: staff writes to the catalog (/admin/films, /admin/genres)."""

from cinema.catalog.admin_router import router as catalog_admin_router
from cinema.core.lambda_http import http_handler

handler = http_handler("admin", catalog_admin_router)
