"""Lambda: playback (/films/{id}/play) and heartbeats (/films/{id}/progress)."""

from cinema.core.lambda_http import http_handler
from cinema.media.playback_router import router

handler = http_handler("streaming", router)
