"""Lambda: MediaConvert "Job State Change" events from EventBridge move an upload's status."""

from cinema.core.lambda_events import event_handler
from cinema.media.status_events import handle

handler = event_handler("media_status", handle)
