"""The embedded PostgreSQL: a real server in data_dir/postgres, reached over loopback TCP.

System binaries come first because they carry contrib (pg_trgm and unaccent, which search
needs); pgserver's bundled PostgreSQL is the fallback for machines without any, and its
missing extensions show up as empty `features` rather than as a failure here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from cinema.local.services.common import (
    RunningService,
    choose_port,
    kill_pid,
    log_path,
    pid_alive,
    pid_command,
    start_failed,
)

EXTENSIONS = frozenset({"pg_trgm", "unaccent"})
SUPERUSER = "postgres"
START_TIMEOUT_S = 30
SOCKET_PATH_MAX = 100  # sun_path is 104 bytes on macOS, 108 on Linux; ".s.PGSQL.NNNNN" is included


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def find_binaries() -> tuple[Path, str]:
    """The bin directory to run and where it comes from ("system binaries" or "pgserver")."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    homebrew = sorted(
        [
            *Path("/opt/homebrew/opt").glob("postgresql@*/bin"),
            *Path("/usr/local/opt").glob("postgresql@*/bin"),
        ],
        key=_version_key,
        reverse=True,
    )
    candidates = [*debian, *homebrew]
    if on_path := shutil.which("pg_ctl"):
        candidates.append(Path(on_path).resolve().parent)
    for bin_dir in candidates:
        if all((bin_dir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bin_dir, "system binaries"
    spec = importlib.util.find_spec("pgserver")  # located, not imported: its import has side effects
    if spec is not None and spec.origin is not None:
        bin_dir = Path(spec.origin).parent / "pginstall" / "bin"
        if (bin_dir / "pg_ctl").is_file():
            return bin_dir, "pgserver"
    raise RuntimeError(
        "No PostgreSQL found: install it with contrib (Debian: apt-get install postgresql; "
        "macOS: brew install postgresql@16), or `pip install pgserver` (no pg_trgm/unaccent)."
    )


def _server_user() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as when we are root (it refuses to run as root); None otherwise.

    A dedicated `postgres` system account (Debian's own name, created if missing) keeps the
    cluster's files away from other daemons; `nobody` is only the last resort where no account
    can be added, because every other unprivileged daemon shares it.
    """
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SUPERUSER)
    if useradd := shutil.which("useradd"):
        subprocess.run(  # noqa: S603 - resolved useradd with fixed arguments
            [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/var/lib/postgresql",
             "--shell", "/usr/sbin/nologin", SUPERUSER],
            capture_output=True,
            check=False,
        )  # fmt: skip
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(SUPERUSER)
    return pwd.getpwnam("nobody")


def _make_traversable(path: Path) -> None:
    """Adds o+x to every parent so the server account can reach its data (e.g. /root/project/.cinema)."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


def _run(argv: list[str], user: pwd.struct_passwd | None, log: Path, timeout: float) -> int:
    """Runs a PostgreSQL tool, as `user` when we are root, appending its output to the log."""
    kwargs: dict[str, object] = {}
    if user is not None:
        if runuser := shutil.which("runuser"):
            argv = [runuser, "-u", user.pw_name, "--", *argv]
        else:  # no util-linux (e.g. Alpine): let Python drop privileges in the child
            kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    with log.open("ab") as out:
        try:
            return subprocess.run(  # noqa: S603 - argv of resolved PostgreSQL binaries, no shell
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd="/",
                timeout=timeout, check=False, **kwargs,  # type: ignore[call-overload]
            ).returncode  # fmt: skip
        except subprocess.TimeoutExpired:
            return -1


def _initdb_locale() -> str:
    """C.UTF-8 when the system has it: under plain C, pg_trgm and full-text search skip Cyrillic letters."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        if locale_bin := shutil.which("locale"):
            found = subprocess.run(  # noqa: S603 - resolved `locale -a`
                [locale_bin, "-a"], capture_output=True, text=True, check=False, timeout=5
            ).stdout
            normalized = {name.lower().replace("-", "") for name in found.split()}
            for wanted in ("C.UTF-8", "en_US.UTF-8"):
                if wanted.lower().replace("-", "") in normalized:
                    return wanted
    return "C"


class _Cluster:
    """One data directory and the tools that act on it, run as the server account when we are root."""

    def __init__(self, bin_dir: Path, pgdata: Path, log: Path, user: pwd.struct_passwd | None) -> None:
        self.bin_dir, self.pgdata, self.log, self.user = bin_dir, pgdata, log, user

    def run(self, tool: str, *args: str, timeout: float = 40) -> int:
        return _run([str(self.bin_dir / tool), *args], self.user, self.log, timeout)

    def prepare(self) -> None:
        """Creates the directory, hands it (and the log the server appends to) to the server account."""
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self.user is None:
            return
        for path in (self.pgdata, self.log):
            _make_traversable(path)
            if path.stat().st_uid != self.user.pw_uid:
                os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        locale = f"--locale={_initdb_locale()}"
        args = ("-D", str(self.pgdata), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8", locale, "--no-sync")
        if self.run("initdb", *args, timeout=120) != 0:
            raise start_failed("PostgreSQL", self.log, "initdb failed")

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.pgdata / "postmaster.pid").read_text().split()[0])
        return None

    def clear_leftover(self) -> None:
        """Deals with the postmaster.pid of an earlier run so that this run's port and flags apply.

        A dead pid (killed run, reboot) or one reused by another program: the file is stale and
        removed. A live postmaster of this cluster (its parent was killed): stopped first.
        """
        pid = self.postmaster_pid()
        if pid is not None:
            if pid_alive(pid) and "postgres" in pid_command(pid):
                self.stop(pid)
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        # No postmaster of this cluster runs now, so a socket lock file in our private socket
        # directory is stale; left in place, PostgreSQL refuses to start whenever the pid it
        # names has been reused by another process.
        for lock in self.pgdata.glob(".s.PGSQL.*.lock"):
            lock.unlink(missing_ok=True)

    def start(self, port: int, *, fast: bool) -> int:
        """Starts the server detached (pg_ctl setsid()s it) and returns the postmaster's pid."""
        options = ["-c", "listen_addresses=127.0.0.1", "-p", str(port)]
        if len(str(self.pgdata)) + len("/.s.PGSQL.65535") <= SOCKET_PATH_MAX:
            options += ["-k", str(self.pgdata)]  # a socket for psql; the platform's clients use TCP
        else:
            options += ["-c", "unix_socket_directories="]
        if fast:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        # pg_ctl hands -o to /bin/sh, hence the quoting
        args = ("-D", str(self.pgdata), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT_S))
        code = self.run("pg_ctl", "start", *args, "-o", shlex.join(options), timeout=START_TIMEOUT_S + 10)
        pid = self.postmaster_pid()
        if code != 0 or pid is None:
            if pid is not None and pid_alive(pid):
                self.stop(pid)  # pg_ctl gave up waiting; the server may still come up: not behind our back
            raise start_failed("PostgreSQL", self.log, f"pg_ctl start failed on port {port}")
        return pid

    def stop(self, pid: int | None) -> None:
        self.run("pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "30")
        if pid is not None and pid_alive(pid):
            kill_pid(pid)


def _libpq_url(url: str) -> str:
    """SQLAlchemy's postgresql+driver:// URL as libpq understands it."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


def _masked(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _inspect(conninfo: str, database: str | None) -> tuple[str, frozenset[str]]:
    """Server version and available search extensions; creates `database` when asked and missing."""
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("SELECT current_setting('server_version')").fetchone()
        version = str(row[0]).split()[0] if row else "?"
        if (
            database
            and not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        ):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        names = conn.execute(
            "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", (sorted(EXTENSIONS),)
        ).fetchall()
    return version, frozenset(str(name) for (name,) in names)


def connect_postgres(url: str) -> RunningService:
    """Wraps a PostgreSQL named by the environment; probed now so a wrong URL fails at start, clearly."""
    try:
        version, features = _inspect(_libpq_url(url), database=None)
    except psycopg.Error as error:
        raise RuntimeError(f"PostgreSQL at {_masked(url)} is not reachable: {error}") from error
    missing = ", ".join(sorted(EXTENSIONS - features))
    note = f"; missing extensions: {missing}" if missing else ""
    return RunningService("postgresql", url, f"PostgreSQL {version} at {_masked(url)}{note}", False, features)


def start_postgres(
    data_dir: Path, *, port: int | None = None, database: str = "cinema", fast: bool = False
) -> RunningService:
    """Starts (initialising on first use) the cluster in data_dir/postgres and returns its handle.

    A restart reuses the cluster, so data survives between runs; the port is remembered in
    data_dir/postgres.port so the URL stays the same. `fast` turns fsync, synchronous_commit
    and full_page_writes off: right for throwaway test clusters, wrong for data you keep
    (an OS crash could corrupt it), hence off by default.
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    bin_dir, origin = find_binaries()
    user = _server_user()
    if user is not None and origin == "pgserver":
        _make_traversable(bin_dir)
    cluster = _Cluster(bin_dir, data_dir / "postgres", log_path(data_dir, "postgresql"), user)
    cluster.prepare()
    if not cluster.initialised():
        cluster.init()
    cluster.clear_leftover()
    port = choose_port(data_dir, "postgres", port)
    pid = cluster.start(port, fast=fast)
    try:
        version, features = _inspect(f"host=127.0.0.1 port={port} user={SUPERUSER} dbname=postgres", database)
    except BaseException as error:
        cluster.stop(pid)
        if isinstance(error, psycopg.Error):
            raise start_failed("PostgreSQL", cluster.log, f"setup refused: {error}") from error
        raise

    missing = ", ".join(sorted(EXTENSIONS - features))
    pgdata = cluster.pgdata
    where = os.path.relpath(pgdata) if pgdata.is_relative_to(Path.cwd()) else str(pgdata)
    description = f"PostgreSQL {version} ({origin}) on 127.0.0.1:{port}, data in {where}"
    if fast:
        description += " (fsync off)"
    if missing:
        description += f"; missing extensions: {missing}"
    url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{database}"
    return RunningService("postgresql", url, description, True, features, _stopper=lambda: cluster.stop(pid))
