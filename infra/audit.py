"""Known vulnerabilities in the dependency sets that ship: `make audit` (needs the package index).

The project has no lock file: pyproject.toml and layers/cinema/requirements.txt give lower bounds
and pip resolves them when it installs. So each set is pinned here, at audit time, as exactly
the install that ships it would resolve it, written to .cache/audit/<set>.txt (name==version):

- lambda: the CinemaDepsLayer, what `sam build` puts in it (layers/cinema/Makefile's
  build-CinemaDepsLayer, resolved by its resolve-CinemaDepsLayer twin without installing);
- local: what `make run` and `make test` installed into .venv (the project with its `local` and
  `dev` extras; the project itself aside).

Each set is audited by pip-audit (`-r <set>.txt --no-deps --disable-pip`, PyPI's advisory feed,
which carries the PyPA advisory database and GitHub's). Where the index answers pip but not the
feed's per-release address (`/pypi/<name>/<version>/json`: a mirror, as on the project's
machines), pip-audit can only skip the package; then the project's own page (`/pypi/<name>/json`)
is asked instead, whose `vulnerabilities` are those of the newest release: exact for a pin that
is the newest release. A pin that neither can audit counts as unaudited, and fails the audit.

A finding is ignored only when infra/audit-ignore.txt names one of its IDs (or aliases) with a
written reason; a pin that cannot be audited here is accepted only when the same file names it
(`name==version`, so that a new version is looked at again) with a written reason. Exit status:
0 when every finding and every unaudited pin has its reason there; 1 otherwise.

    .venv/bin/python infra/audit.py [--sets lambda local]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".cache" / "audit"
IGNORE_FILE = ROOT / "infra" / "audit-ignore.txt"
PROJECT = "cinema"
PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Finding:
    package: str
    version: str
    ids: list[str]  # the advisory's ID first, then its aliases
    fixed_in: list[str]
    summary: str
    source: str  # "pip-audit" or "project page"
    reason: str | None = None  # why it is ignored, from the ignore file


@dataclass
class Result:
    name: str
    pins: dict[str, str]
    findings: list[Finding] = field(default_factory=list)
    unaudited: dict[str, str] = field(default_factory=dict)  # package -> why
    by_fallback: list[str] = field(default_factory=list)


# ---- the sets ------------------------------------------------------------------------------


def lambda_set() -> dict[str, str]:
    report = OUT / "lambda-report.json"
    subprocess.run(  # noqa: S603 - fixed arguments: make, this interpreter, a path of ours
        [  # noqa: S607 - make from PATH, as the Makefile that runs this finds it
            "make",
            "-s",
            "-C",
            "layers/cinema",
            "resolve-CinemaDepsLayer",
            f"PYTHON={sys.executable}",
            f"REPORT={report}",
        ],
        cwd=ROOT,
        check=True,
        stderr=subprocess.DEVNULL,  # pip's notes about the machine's extra local indexes
    )
    installs = json.loads(report.read_text())["install"]
    return {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}


def local_set() -> dict[str, str]:
    """The distributions installed beside this interpreter (run it as .venv/bin/python)."""
    pins = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    pins.pop(PROJECT, None)
    return pins


SETS = {"lambda": lambda_set, "local": local_set}


# ---- the audit -----------------------------------------------------------------------------


def read_ignores(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """({advisory ID: reason}, {name==version: reason}). Every entry needs a reason on its line."""
    ids: dict[str, str] = {}
    pins: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1) if path.exists() else []:
        line = line.split("#", 1)[0].strip()  # noqa: PLW2901 - the comment is not part of it
        if not line:
            continue
        key, _, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path.name}:{number}: {key} has no written reason")
        if "==" in key:
            name, _, version = key.partition("==")
            pins[f"{canonical(name)}=={version}"] = reason.strip()
        else:
            ids[key.upper()] = reason.strip()
    return ids, pins


def run_pip_audit(pins_file: Path) -> dict[str, dict[str, object]]:
    """pip-audit's JSON answer per canonical package name."""
    answer = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments, a path of ours
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(pins_file),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode not in (0, 1):  # 1: vulnerabilities found
        raise SystemExit(f"pip-audit failed ({answer.returncode}):\n{answer.stderr[-3000:]}")
    return {canonical(d["name"]): d for d in json.loads(answer.stdout)["dependencies"]}


def project_page(name: str) -> dict[str, object]:
    with urllib.request.urlopen(PROJECT_PAGE.format(name=name), timeout=60) as response:  # noqa: S310 - a fixed https URL
        return json.load(response)


def audit(name: str, pins: dict[str, str]) -> Result:
    result = Result(name, pins)
    pins_file = OUT / f"{name}.txt"
    pins_file.write_text("".join(f"{package}=={version}\n" for package, version in sorted(pins.items())))
    for package, answer in run_pip_audit(pins_file).items():
        if "skip_reason" not in answer:
            for vuln in answer.get("vulns", []):  # type: ignore[union-attr]
                result.findings.append(
                    Finding(
                        package,
                        pins[package],
                        [vuln["id"], *vuln.get("aliases", [])],
                        vuln.get("fix_versions", []),
                        vuln.get("description", ""),
                        "pip-audit",
                    )
                )
            continue
        try:  # the fallback: the project's page, whose advisories are the newest release's
            page = project_page(package)
        except (urllib.error.URLError, TimeoutError) as error:
            result.unaudited[package] = f"{answer['skip_reason']}; project page: {error}"
            continue
        newest = page["info"]["version"]  # type: ignore[index]
        if newest != pins[package]:
            result.unaudited[package] = (
                f"{answer['skip_reason']}; the project page speaks for {newest}, the newest release, only"
            )
            continue
        result.by_fallback.append(package)
        for vuln in page.get("vulnerabilities") or []:  # type: ignore[union-attr]
            if vuln.get("withdrawn"):
                continue
            result.findings.append(
                Finding(
                    package,
                    pins[package],
                    [vuln["id"], *vuln.get("aliases", [])],
                    vuln.get("fixed_in", []),
                    (vuln.get("summary") or vuln.get("details") or "").replace("\n", " "),
                    "project page",
                )
            )
    return result


def report(result: Result, ignores: dict[str, str], accepted: dict[str, str]) -> bool:
    for finding in result.findings:
        finding.reason = next((ignores[i.upper()] for i in finding.ids if i.upper() in ignores), None)
    open_findings = [f for f in result.findings if f.reason is None]
    unaccepted = [p for p in result.unaudited if f"{p}=={result.pins[p]}" not in accepted]
    print(
        f"{result.name}: {len(result.pins)} packages pinned in .cache/audit/{result.name}.txt; "
        f"{len(result.pins) - len(result.unaudited)} audited ({len(result.by_fallback)} through the project "
        f"page), {len(result.unaudited)} unaudited ({len(unaccepted)} without a reason); "
        f"{len(result.findings)} known vulnerabilities ({len(open_findings)} without a reason)"
    )
    for finding in result.findings:
        state = f"ignored: {finding.reason}" if finding.reason else "OPEN"
        fixed = ", ".join(finding.fixed_in) or "no fixed release"
        print(
            f"  {finding.package} {finding.version}: {' / '.join(finding.ids)} (fixed in {fixed}) [{state}]"
        )
        print(f"      {finding.summary[:200]}")
    for package, why in sorted(result.unaudited.items()):
        reason = accepted.get(f"{package}=={result.pins[package]}")
        state = f"accepted: {reason}" if reason else "NO REASON"
        print(f"  unaudited {package}=={result.pins[package]}: {why} [{state}]")
    return not open_findings and not unaccepted


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=sorted(SETS))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ignores, accepted = read_ignores(IGNORE_FILE)
    results = [audit(name, SETS[name]()) for name in args.sets]
    passed = [report(result, ignores, accepted) for result in results]
    matched = {i.upper() for r in results for f in r.findings for i in f.ids}
    matched |= {f"{p}=={r.pins[p]}" for r in results for p in r.unaudited}
    for stale in sorted((set(ignores) | set(accepted)) - matched) if set(args.sets) == set(SETS) else []:
        print(f"note: {IGNORE_FILE.name} names {stale}, which no audited set has any more: drop it")
    print("audit: PASS" if all(passed) else "audit: FAIL")
    sys.exit(0 if all(passed) else 1)


if __name__ == "__main__":
    main()
