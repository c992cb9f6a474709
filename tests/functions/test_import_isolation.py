"""Each Lambda imports only its own module: a cold start pays for nothing else."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""


HANDLERS = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("functions/*/handler.py"))


def probe(script: str, handler: str) -> Any:
    """What `script` prints as JSON after loading the handler in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / handler)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def imported_by(handler: str) -> set[str]:
    return set(probe(PROBE, handler))


# The payments modules that talk to Stripe or change money state; reading functions
# (entitlements, revenue over repository and models) are what other functions may import.
PAYMENTS_BEYOND_READS = [
    "cinema.payments.service",
    "cinema.payments.webhooks",
    "cinema.payments.billing",
    "cinema.payments.purchases",
    "cinema.payments.stripe_gateway",
    "cinema.payments.router",
]


# What only the functions that serve them load: the staff's catalog bodies and the dashboard's
# answers (admin), the refresh and reset token tables (auth). Every other function only shows
# films and reads who is calling.
STAFF_AND_TOKENS = [
    "cinema.catalog.staff_schemas",
    "cinema.auth.token_models",
    "cinema.auth.token_repository",
]
# Stripe's records (customers, the payment history, applied webhook events) and their queries:
# the payments function's, and the admin's for revenue. What asks who may watch what does not
# declare them.
LEDGER = ["cinema.payments.ledger_models", "cinema.payments.ledger_repository"]
# The catalog's cached pages and what renders them: the catalog and admin functions only (and
# the cabinet's lists, which show film summaries).
PAGES = ["cinema.catalog.pages", "cinema.catalog.presenters", "cinema.catalog.schemas"]


def _has(modules: set[str], prefix: str) -> bool:
    return any(m == prefix or m.startswith(prefix + ".") for m in modules)


@pytest.mark.parametrize(
    ("handler", "forbidden"),
    [
        (
            "functions/catalog/handler.py",
            [
                "stripe",
                "boto3",
                "cinema.payments",
                "cinema.media",
                "cinema.local",
                "uvicorn",
                *STAFF_AND_TOKENS,
            ],
        ),
        # the dashboard reads revenue through cinema.payments.revenue, which must not pull in Stripe
        # ... nor the public catalog's routes, nor sign-in and registration (auth.service)
        (
            "functions/admin/handler.py",
            [
                "stripe",
                *PAYMENTS_BEYOND_READS,
                "cinema.local",
                "uvicorn",
                "cinema.catalog.router",
                "cinema.auth.service",
                "cinema.auth.token_models",
            ],
        ),
        (
            "functions/auth/handler.py",
            ["stripe", "boto3", "cinema.catalog", "cinema.payments", "cinema.media", "cinema.local"],
        ),
        (
            "functions/reviews/handler.py",
            [
                "stripe",
                "boto3",
                "cinema.payments",
                "cinema.media",
                "cinema.account",
                "cinema.local",
                "uvicorn",
                *STAFF_AND_TOKENS,
                *PAGES,
            ],
        ),
        # the film page's state asks payments' entitlements and reviews' ratings, nothing more
        (
            "functions/account/handler.py",
            [
                "stripe",
                "boto3",
                *PAYMENTS_BEYOND_READS,
                "cinema.payments.revenue",
                *LEDGER,
                "cinema.media",
                "cinema.reviews.router",
                "cinema.reviews.service",
                "cinema.local",
                "uvicorn",
                *STAFF_AND_TOKENS,
            ],
        ),
        # playback asks cinema.payments.entitlements, which must not pull in the Stripe SDK
        (
            "functions/streaming/handler.py",
            [
                "stripe",
                "cinema.payments.webhooks",
                "cinema.local",
                "uvicorn",
                *STAFF_AND_TOKENS,
                *PAGES,
                "boto3",  # S3 is for recordings, which media-ingest registers
                "cinema.media.uploads",
                *LEDGER,
            ],
        ),
        # the scheduled work: no HTTP app, no page, no other domain
        (
            "functions/catalog_jobs/handler.py",
            [
                "stripe",
                "boto3",
                "mangum",
                "cinema.payments",
                "cinema.media",
                "cinema.auth",
                "cinema.local",
                "uvicorn",
                "cinema.catalog.router",
                "cinema.catalog.caching",
                *STAFF_AND_TOKENS,
                *PAGES,
            ],
        ),
        (
            "functions/payments/handler.py",
            ["boto3", "cinema.media", "cinema.catalog.search", "cinema.local", "uvicorn", *STAFF_AND_TOKENS],
        ),
    ],
)
def test_a_handler_imports_only_its_own_module(handler, forbidden):
    modules = imported_by(handler)
    assert "cinema.core.coldstart" in modules  # the probe really loaded the handler
    leaked = [name for name in forbidden if _has(modules, name)]
    assert leaked == [], f"{handler} imports {leaked}"


# SQLAlchemy and pydantic read every annotation of a table, a body or a settings class, and
# FastAPI every annotation of a route's signature, when it is declared: postponed annotations
# (strings) make each one be parsed and evaluated again at every cold start. The modules a
# function loads that declare any of these keep their annotations evaluated.
DECLARES = re.compile(r"Mapped\[|\((?:ApiModel|BaseModel|BaseSettings)\b|APIRouter\(")


def test_what_a_function_declares_has_no_postponed_annotations():
    loaded = set().union(*(imported_by(handler) for handler in HANDLERS))
    postponed = []
    for name in sorted(m for m in loaded if m.startswith("cinema.")):
        spec = importlib.util.find_spec(name)
        assert spec is not None
        assert spec.origin is not None
        source = Path(spec.origin).read_text()
        if DECLARES.search(source) and "from __future__ import annotations" in source:
            postponed.append(name)
    assert postponed == []


FOREIGN_KEYS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from cinema.core.db import Base
tables = Base.metadata.tables
print(json.dumps(sorted(
    f"{table.name}.{key.parent.name} -> {key.target_fullname}"
    for table in tables.values() for key in table.foreign_keys
    if key.target_fullname.rsplit(".", 1)[0] not in tables
)))
"""


# A function declares only some of the tables, so each module that declares a table imports the
# tables its foreign keys name: SQLAlchemy resolves them when it orders a flush or infers a join,
# and would fail there, in that function only.
@pytest.mark.parametrize("handler", HANDLERS)
def test_the_foreign_keys_of_what_a_function_declares_resolve(handler):
    assert probe(FOREIGN_KEYS, handler) == []


BUILT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from pydantic import BaseModel
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
print(json.dumps(sorted({
    f"{cls.__module__}.{cls.__qualname__}" for cls in subclasses(BaseModel)
    if cls.__module__.startswith("cinema.") and cls.__pydantic_complete__
})))
"""

# Bodies are built on first use (cinema.core.schemas.ApiModel). At import only the settings, the
# generic Page (pydantic builds it when it is first parametrized) and the webhook's prepared
# answers are.
BUILT_AT_IMPORT = {
    "cinema.core.settings.Settings",
    "cinema.core.pagination.Page",
    "cinema.payments.schemas.WebhookOut",
}


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_function_builds_no_body_at_import(handler):
    assert set(probe(BUILT, handler)) <= BUILT_AT_IMPORT
