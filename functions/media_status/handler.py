"""Lambda: MediaConvert "Job State Change" events from EventBridge move an upload's status."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_events import event_handler
from cinema.media.job_state_changes import handle

handler = event_handler("media_status", handle)
