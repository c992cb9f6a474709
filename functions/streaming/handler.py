"""Lambda: playback (/films/{id}/play), heartbeats (/films/{id}/progress) and live events
(/live..., /admin/live..., and the hooks nginx-rtmp calls)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.http_functions import routers

handler = http_handler("streaming", *routers("streaming"))
