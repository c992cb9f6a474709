"""Lambda: public catalog reads (/films, /films/popular, /films/{id}, /genres)."""

from cinema.catalog.router import router
from cinema.core.lambda_http import http_handler

handler = http_handler("catalog", router)
