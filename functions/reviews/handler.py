"""Lambda: reviews, their moderation and ratings (/films/{id}/reviews, /reviews/{id}, /films/{id}/rating,
/admin/reviews)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.http_functions import routers

handler = http_handler("reviews", *routers("reviews"))
