"""Lambda: playback (/films/{id}/play), heartbeats (/films/{id}/progress) and live events
(/live..., /admin/live..., and the hooks nginx-rtmp calls)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.live.router import router as live_router
from cinema.media.playback_router import router

handler = http_handler("streaming", router, live_router)
