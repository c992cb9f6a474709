"""Renders nginx.conf.template for the container from its environment (stdout).

The local shape renders the same template in cinema.local.services.rtmp; this copy of the few lines
keeps the image free of the `cinema` package. Environment:

    API_ORIGIN    https://cinema.example.com (the distribution: the hooks go to /api/v1/live/hooks/...)
    HOOK_SECRET   the app secret's live_hook_secret (ECS injects it from Secrets Manager)
    RTMP_PORT     1935
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent


def main() -> None:
    origin = os.environ["API_ORIGIN"].rstrip("/")
    secret = os.environ["HOOK_SECRET"]
    if len(secret) < 32 or not secret.replace("-", "").replace("_", "").isalnum():
        sys.exit("HOOK_SECRET must be 32+ URL-safe characters (letters, digits, - and _)")
    values = {
        "user_line": "user nobody nogroup;",
        "module_path": "/usr/lib/nginx/modules/ngx_rtmp_module.so",
        "run_dir": "/srv/rtmp/run",
        "log_dir": "/srv/rtmp/logs",
        "rtmp_listen": os.environ.get("RTMP_PORT", "1935"),
        "hook_proxy_listen": "127.0.0.1:8081",
        "api_origin": origin,
        # the VPC's DNS resolver (Amazon-provided DNS at its link-local address)
        "resolver_line": f"resolver {os.environ.get('DNS_RESOLVER', '169.254.169.253')} valid=60s ipv6=off;",
        "api_host": urlsplit(origin).netloc,
        "hook_secret": secret,
        "hls_dir": os.environ.get("HLS_DIR", "/var/hls"),
        "record_dir": os.environ.get("RECORD_DIR", "/var/recordings"),
        "control_listen": "127.0.0.1:8082",
    }
    text = (HERE / "nginx.conf.template").read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        sys.exit("unrendered placeholder in nginx.conf.template")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
