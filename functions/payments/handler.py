"""Lambda: plans, checkout, the customer portal, Stripe's webhook (/plans, /payments/*) and
the payments part of the personal cabinet (/me/payments, /me/subscription)."""

import gc

gc.disable()  # until the handler is built: a cold start only allocates (cinema.core.coldstart)

from cinema.core.lambda_http import http_handler
from cinema.payments.account_router import router as account_router
from cinema.payments.router import router

handler = http_handler("payments", router, account_router)
