"""Lambda: S3 ObjectCreated on the uploads bucket starts a MediaConvert job."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_events import event_handler
from cinema.media.ingest import handle

handler = event_handler("media_ingest", handle)
