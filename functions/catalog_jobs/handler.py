"""Lambda: the catalog's scheduled work (EventBridge Scheduler), e.g. the popularity refresh."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.catalog.jobs import handle
from cinema.core.lambda_events import event_handler

handler = event_handler("catalog_jobs", handle)
