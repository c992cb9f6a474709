"""Lambda: reviews, their moderation and ratings (/films/{id}/reviews, /reviews/{id}, /films/{id}/rating,
/admin/reviews)."""

from cinema.core.lambda_http import http_handler
from cinema.reviews.router import router

handler = http_handler("reviews", router)
