"""Lambda: playback (/films/{id}/play), heartbeats (/films/{id}/progress) and live events
(/live..., /admin/live..., and the hooks nginx-rtmp calls)."""

from cinema.core.lambda_http import http_handler
from cinema.live.router import router as live_router
from cinema.media.playback_router import router

handler = http_handler("streaming", router, live_router)
