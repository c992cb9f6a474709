"""Every table's module, imported once so Alembic sees the whole schema. It lives beside
the migrations' env.py, not in core proper: the kernel imports no domain (tests/core/test_layering.py)."""

from __future__ import annotations

from cinema.account import models as account_models  # noqa: F401
from cinema.auth import models as auth_models  # noqa: F401
from cinema.auth import token_models as auth_token_models  # noqa: F401
from cinema.catalog import models as catalog_models  # noqa: F401
from cinema.catalog import similar_models as catalog_similar_models  # noqa: F401
from cinema.core.db import Base
from cinema.live import models as live_models  # noqa: F401
from cinema.media import models as media_models  # noqa: F401
from cinema.media import subtitle_models as media_subtitle_models  # noqa: F401
from cinema.payments import ledger_models as payments_ledger_models  # noqa: F401
from cinema.payments import models as payments_models  # noqa: F401
from cinema.profiles import models as profiles_models  # noqa: F401
from cinema.reviews import models as reviews_models  # noqa: F401

metadata = Base.metadata
