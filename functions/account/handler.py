"""Lambda: the personal cabinet (/me/history, /me/continue-watching, /me/favorites, /me/films/{id})."""

from cinema.account.router import router
from cinema.core.lambda_http import http_handler

handler = http_handler("account", router)
