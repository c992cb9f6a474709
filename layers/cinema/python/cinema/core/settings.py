"""Settings for both shapes, read from `CINEMA_*` variables (and Secrets Manager in AWS)."""

import ipaddress
import json
import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_JWT_SECRET = "local-development-secret-change-me-0123456789"  # noqa: S105 - refused in AWS


class Shape(StrEnum):
    local = "local"  # one machine: embedded services, outbox mail, local edge
    aws = "aws"  # Lambda behind API Gateway: RDS Proxy, ElastiCache, SES, CloudFront


class SecretsManagerSource(PydanticBaseSettingsSource):
    """Merges the JSON secret named by CINEMA_SECRETS_ARN (only set in AWS) into the settings.

    Keys are setting names (`jwt_secret`, `database_url`, ...). Fetched once per container
    through Powertools' cached parameter provider, so warm invocations cost nothing.
    """

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        arn = os.environ.get("CINEMA_SECRETS_ARN")
        if not arn:
            return {}
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - AWS shape only

        raw = parameters.get_secret(arn, max_age=300)
        return json.loads(raw) if isinstance(raw, str) else dict(raw)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CINEMA_", extra="ignore")

    shape: Shape = Shape.local
    debug: bool = False

    # services; empty means "start an embedded one" in the local shape
    database_url: str = ""
    # In AWS the URL names the RDS Proxy and its user without a password: each new connection
    # authenticates with an IAM token (cinema.core.db.use_iam_auth), valid 15 minutes.
    database_iam_auth: bool = False
    redis_url: str = ""
    s3_endpoint_url: str = ""
    aws_region: str = "eu-central-1"
    data_dir: Path = Path(".cinema")

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # how browsers reach the API; defaults to http://host:port
    web_url: str = ""  # where the web app lives (links in mail); defaults to public_url
    media_url: str = ""  # public images (posters) base URL: CloudFront in AWS; defaults to <public_url>/media
    # The built web app the local server serves at / (local shape only; CloudFront serves it in
    # AWS). None: web/dist of the repository, found from the package's location or the current
    # directory (see local/web.py).
    web_dist: Path | None = None
    catalog_cache_ttl_s: int = 300  # film pages and first pages of listings; writes invalidate at once
    popular_cache_ttl_s: int = 60
    catalog_local_cache_ttl_s: float = 2.0  # in-process level in front of Redis; 0 turns it off
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:5173", "http://127.0.0.1:5173"]
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)  # JSON and form bodies; larger: 413
    # The local dev tools (/dev/outbox, the local Stripe at /dev/stripe) on a bind address other
    # than loopback: off unless asked for, with a warning (see local/dev_tools.py).
    dev_tools_public: bool = False

    # tokens
    jwt_secret: SecretStr = SecretStr(DEFAULT_JWT_SECRET)
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "cinema"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    password_reset_minutes: int = 30

    # brute-force limits (auth/brute_force.py): failed sign-ins per (account, client address), per
    # address, and a looser ceiling per account from every address (ASVS V2.2.1: at most 100
    # failures an hour) that addresses the owner signed in from before are exempt from
    login_account_limit: int = 10
    login_account_window_s: int = 15 * 60
    login_ip_limit: int = 30
    login_ip_window_s: int = 5 * 60
    login_account_ceiling: int = 100
    login_account_ceiling_window_s: int = 60 * 60
    login_known_address_days: int = 30
    register_ip_limit: int = 50  # registrations per client address (each costs an argon2 hash)
    register_ip_window_s: int = 60 * 60
    reset_account_limit: int = 3
    reset_account_window_s: int = 60 * 60
    reset_ip_limit: int = 10
    reset_ip_window_s: int = 15 * 60
    review_rate_per_hour: int = 10  # reviews one user may post per hour (spam brake)
    # A reset request does its work (lookup, token, mail) after the response, padded to this
    # length, so that even where the response waits for it (Lambda) its time tells nothing.
    password_reset_job_s: float = 0.5
    # argon2 runs in this many threads beside the event loop; 0: one less than the cores
    password_hash_workers: int = 0

    # mail
    mailer: str = "outbox"  # outbox | ses
    mail_from: str = "Cinema <no-reply@cinema.local>"

    # storage (same names as template.yaml's buckets)
    uploads_bucket: str = "cinema-uploads"
    media_bucket: str = "cinema-media"
    web_bucket: str = "cinema-web"

    # media: uploads, transcoding, playback signing
    upload_max_bytes: int = 50 * 1024**3
    upload_url_ttl_s: int = 6 * 3600
    transcoder: str = "ffmpeg"  # ffmpeg (local worker) | mediaconvert
    mediaconvert_role_arn: str = ""
    mediaconvert_endpoint_url: str = ""
    cloudfront_key_pair_id: str = ""
    cloudfront_private_key: SecretStr = SecretStr("")  # PEM; locally generated into the data dir
    playback_ttl_s: int = 4 * 3600
    demo_media: bool = False  # `cinema serve` turns it on: demo films get generated videos on first start

    # live (Nginx-RTMP): nginx calls /live/hooks/* with this secret (`?secret=`); empty refuses every hook
    live_hook_secret: SecretStr = SecretStr("")
    live_ingest_url: str = ""  # what OBS connects to, e.g. rtmp://host:1935/ingest; empty: live is off
    live_rtmp_port: int = 1935  # nginx's own RTMP port: a valid key is redirected to 127.0.0.1:<port>/show
    live_control_url: str = ""  # nginx-rtmp's control location (drops publishers); empty: none

    # payments (Stripe): keys from the app secret in AWS; `cinema serve` points them at the local fake
    stripe_api_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base: str | None = None  # None: the real Stripe API
    # The longest one Stripe call may keep a request waiting, the SDK's retries included (its
    # default is 80 s a try); past it the request answers 503 with Retry-After.
    stripe_timeout_s: float = Field(default=10.0, ge=3.0, le=60.0)
    checkout_success_url: str = ""  # default <web>/payments/success?session_id={CHECKOUT_SESSION_ID}
    checkout_cancel_url: str = ""  # default <web>/payments/cancel
    portal_return_url: str = ""  # default <web>/account
    subscription_grace_days: int = Field(default=3, ge=0, le=60)  # past_due still watches this long

    # the first administrator (local shape); generated and printed once when unset
    admin_email: str = ""
    admin_password: SecretStr = SecretStr("")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, SecretsManagerSource(settings_cls), file_secret_settings)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_default_secrets_in_aws(self) -> Self:
        if self.shape is Shape.aws:
            secret = self.jwt_secret.get_secret_value()
            if secret == DEFAULT_JWT_SECRET or len(secret) < 32:
                raise ValueError("CINEMA_JWT_SECRET must be set to a random value of 32+ characters in AWS")
            if not self.database_url:
                raise ValueError("CINEMA_DATABASE_URL must be set in AWS")
        return self

    @property
    def bind_is_loopback(self) -> bool:
        return self.host == "localhost" or _is_loopback_address(self.host)

    @property
    def local_stripe(self) -> bool:
        """The local Stripe stands in for Stripe: no key configured, or the SDK pointed at a
        /dev/stripe (what `cinema serve` does). A real key with Stripe's API is not local."""
        if self.shape is not Shape.local:
            return False
        base = (self.stripe_api_base or "").rstrip("/")
        return not self.stripe_api_key.get_secret_value() or base.endswith("/dev/stripe")

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def web_base_url(self) -> str:
        return self.web_url.rstrip("/") or self.base_url

    @property
    def media_base_url(self) -> str:
        return self.media_url.rstrip("/") or f"{self.base_url}/media"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_chosen: Settings | None = None


@lru_cache
def get_settings() -> Settings:
    """The settings of this process: from the environment, or the ones `use_settings` chose."""
    return _chosen if _chosen is not None else Settings()


def use_settings(settings: Settings | None) -> None:
    """Makes `settings` what get_settings() returns from now on (None: the environment's again).
    The one-machine stack builds its Settings from the environment plus what it started, rather
    than writing what it started into os.environ."""
    global _chosen  # noqa: PLW0603 - the process's one configuration
    _chosen = settings
    get_settings.cache_clear()
