"""Lambda: plans, checkout, the customer portal, Stripe's webhook (/plans, /payments/*) and
the payments part of the personal cabinet (/me/payments, /me/subscription)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.http_functions import routers
from cinema.payments import applier

# A Lambda is frozen once it answers: the webhook applies the inbox's due events (its own among
# them) after accepting and before answering, instead of in the background (payments/applier.py).
applier.apply_before_answering = True
handler = http_handler("payments", *routers("payments"))
