"""Cold-start cost of every Lambda handler against the third-party code it loads.

Each sample is a fresh interpreter, as a new Lambda container is, that either runs a handler
module (its imports and everything it does at import: the FastAPI app built, Mangum wrapped
around it) or imports only the third-party modules that handler ends up loading (its
baseline). The baseline of each handler is derived, not written by hand: a probe interpreter
runs the handler and lists, in load order, every module it loaded from site-packages that a
bare interpreter has not (boto3 and its dependencies for a function that uses S3; no Stripe
for one that does not; the pieces FastAPI and SQLAlchemy load lazily while routes and tables
are declared). The baseline imports exactly those modules, so the figure handler / baseline
is what our own code adds: the cinema modules, the pydantic and SQLAlchemy classes they
declare, the app and its routes. The probe also checks that each baseline loads the same
third-party modules as its handler. A handler that loads with the garbage collector off and
freezes the heap it loaded (cinema.core.coldstart) gets a baseline loaded the same way, so the
ratio is never flattered by collections the baseline runs and the handler skips.

Each round samples every handler in a new order, its two sides back to back (which goes first
alternates), so that both meet the same load of a shared machine; the figure is the median over
the rounds of handler / baseline, for wall time from the first import to the end of the module
(interpreter start-up excluded on both sides), for the process CPU time of the same span, and
for the sum of the top-level cumulative times of `-X importtime` (import work only: the app
built after the imports is not in it, and the handler's own module is not an import). The
medians of each side are shown too.

The depth at which a handler is imported is swept: round r loads both sides at depth
`r % --depths` (7), the rounds covering every depth alike (depth 0: the script's top level,
as this bench measured before the sweep; depth d: d + 1 frames below it). CPython
3.11 (Lambda's python3.11 as well) keeps frames on a stack of 16 KiB chunks and frees a chunk
each time the stack falls back below its start; an import tree that recurses across a chunk
boundary over and over (a library's regular expressions compiled fifteen imports deep) maps
and unmaps that chunk each time. Where that happens depends on the depth of the caller, one
frame more or less moves it, and the runtime's loader (awslambdaric's bootstrap) calls the
handler at a depth of its own: measured at one fixed depth, the admin function paid ~7,000
page faults (~25 ms, a 6 % swing of its ratio) that one frame more or less did not. The table
also shows the median ratio of the rounds at depth 0 alone.

    python bench/import_time.py [functions/catalog/handler.py ...] [--runs 21] [--depths 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.15


def environment(tree: Path) -> dict[str, str]:
    """The same environment for every sample: no CINEMA_* variable (default settings), no
    coverage start-up hook (the venv's coverage .pth reads COVERAGE_PROCESS_START), bytecode
    cached (no PYTHONDONTWRITEBYTECODE), and first on the path the cinema package of the tree
    the handler belongs to (the venv's editable install may point at another checkout; a run
    can compare the handlers of two trees, e.g. an export of an older commit)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(tree / "layers" / "cinema" / "python"),
    }


RUN_HANDLER = """\
import importlib.util
spec = importlib.util.spec_from_file_location("handler", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
"""

RUN_BASELINE = """\
import importlib
for name in {names!r}:
    importlib.import_module(name)
"""

# The baseline of a handler that loads with the collector off and then freezes the heap.
RUN_BASELINE_FROZEN = """\
import gc
gc.disable()
import importlib
for name in {names!r}:
    importlib.import_module(name)
gc.freeze()
gc.enable()
"""

# Lists the modules a piece of code loads from site-packages, in load order (a parent package
# is registered before its submodules). Aliases (a module registered under a second name) and
# modules without a spec of their own are left out: importing the real name loads them.
PROBE = """\
import gc, json, sys, sysconfig
roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
before = set(sys.modules)
exec(compile(sys.argv[1], "<sample>", "exec"), {"__name__": "__sample__"})
loaded = []
for name, module in list(sys.modules.items()):
    spec = getattr(module, "__spec__", None)
    if name in before or spec is None or spec.name != name:
        continue
    places = [spec.origin or "", *(spec.submodule_search_locations or [])]
    if any(place.startswith(root) for place in places for root in roots):
        loaded.append(name)
# A handler may load with the collector off and freeze what it loaded (functions/*/handler.py,
# cinema.core.coldstart); its baseline then loads the same way, so that the deps do not look
# slower next to it for collections the handler does not run either.
print(json.dumps({"modules": loaded, "frozen": gc.isenabled() and gc.get_freeze_count() > 0}))
"""

TIMED = """\
import time
_wall, _cpu = time.perf_counter(), time.process_time()
{code}
print(time.perf_counter() - _wall, time.process_time() - _cpu)
"""

# A sample's code run `depth` frames below the top level (the module docstring says why).
AT_DEPTH = """\
def _deeper(n):
    if n:
        return _deeper(n - 1)
    exec(compile({code!r}, "<sample>", "exec"), {{"__name__": "__sample__"}})
_deeper({depth})
"""


def at_depth(code: str, depth: int) -> str:
    """Depth 0: the code as it is, at the script's top level (how this bench measured before
    the sweep); depth d: d + 1 frames below it (d - 1 calls, and the exec of the code)."""
    return code if depth == 0 else AT_DEPTH.format(code=code, depth=depth - 1)


@dataclass
class Side:
    code: str
    depths: list[int] = field(default_factory=list)  # one per round
    wall: list[float] = field(default_factory=list)  # seconds, one per round
    cpu: list[float] = field(default_factory=list)
    importtime: list[float] = field(default_factory=list)


@dataclass
class Case:
    handler: str  # as given (relative to the repository, or a path into another tree)
    tree: Path  # the checkout it belongs to: <tree>/functions/<name>/handler.py
    modules: list[str]
    frozen: bool
    ours: Side
    baseline: Side


def _python(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, cwd=tree, env=environment(tree)
    )


def third_party_modules(tree: Path, code: str) -> tuple[list[str], bool]:
    """The site-packages modules `code` loads, in load order, and whether it ends with the
    collector on and the heap frozen (the handlers' cold-start policy)."""
    found = json.loads(_python(tree, "-c", PROBE, code).stdout)
    return found["modules"], found["frozen"]


def timed(tree: Path, code: str) -> tuple[float, float]:
    wall, cpu = _python(tree, "-c", TIMED.format(code=code)).stdout.split()[-2:]
    return float(wall), float(cpu)


def import_seconds(tree: Path, code: str) -> float:
    """Sum of the cumulative times of the top-level imports (the `|` lines with no indent)."""
    total = 0
    for line in _python(tree, "-X", "importtime", "-c", code).stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if not name.startswith("  "):  # one space after the bar: a top-level import
            total += int(cumulative)
    return total / 1e6


def prepare(handler: str) -> Case:
    path = (ROOT / handler).resolve()
    tree = path.parents[2]
    ours = RUN_HANDLER.format(path=str(path))
    modules, frozen = third_party_modules(tree, ours)
    baseline = (RUN_BASELINE_FROZEN if frozen else RUN_BASELINE).format(names=modules)
    again, _ = third_party_modules(tree, baseline)
    if set(again) != set(modules):  # the baseline must load what the handler loads, no more
        missing, extra = sorted(set(modules) - set(again)), sorted(set(again) - set(modules))
        raise SystemExit(f"{handler}: baseline differs: missing {missing[:10]}, extra {extra[:10]}")
    return Case(handler, tree, modules, frozen, Side(ours), Side(baseline))


def sample_pair(case: Case, *, baseline_first: bool, depth: int) -> None:
    """One sample of each side back to back (wall and CPU, then -X importtime), so that both
    meet the same load, both loaded `depth` frames deep; which side goes first alternates from
    round to round."""
    sides = (case.baseline, case.ours) if baseline_first else (case.ours, case.baseline)
    for side in sides:
        wall, cpu = timed(case.tree, at_depth(side.code, depth))
        side.depths.append(depth)
        side.wall.append(wall)
        side.cpu.append(cpu)
    for side in sides:
        side.importtime.append(import_seconds(case.tree, at_depth(side.code, depth)))


def paired_ratios(case: Case, what: str) -> list[float]:
    """Handler / baseline of each round, its two samples taken back to back."""
    ours, base = getattr(case.ours, what), getattr(case.baseline, what)
    return [o / b for o, b in zip(ours, base, strict=True)]


def paired_ratio(case: Case, what: str) -> float:
    """The median over the rounds of handler / baseline."""
    return statistics.median(paired_ratios(case, what))


def top_level_ratio(case: Case) -> float:
    """The median wall ratio of the rounds run at the script's top level (depth 0)."""
    return statistics.median(
        r for r, depth in zip(paired_ratios(case, "wall"), case.ours.depths, strict=True) if depth == 0
    )


def spread(values: list[float]) -> str:
    """The middle half of the rounds' ratios (how much the machine moved them)."""
    if len(values) < 4:
        return ""
    low, _, high = statistics.quantiles(values, n=4)
    return f"{low:.2f}-{high:.2f}"


def packages(modules: list[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in modules if not name.startswith("_")})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "handlers",
        nargs="*",
        help="default: every functions/*/handler.py; a handler of another checkout (an export of an "
        "older commit) runs against that checkout's cinema package, so one run can compare the two",
    )
    parser.add_argument("--runs", type=int, default=21, help="rounds: samples of each side of each handler")
    parser.add_argument("--seed", type=int, default=15, help="of the order of the handlers in each round")
    parser.add_argument(
        "--depths", type=int, default=7, help="round r loads both sides r %% DEPTHS frames deep"
    )
    parser.add_argument("--json", type=Path, help="also write every sample here")
    args = parser.parse_args()
    handlers = args.handlers or sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("functions/*/handler.py"))

    cases = [prepare(handler) for handler in handlers]
    for case in cases:
        gc = " (collector off while loading, heap frozen: baseline too)" if case.frozen else ""
        print(
            f"{case.handler}: baseline of {len(case.modules)} modules{gc}: {', '.join(packages(case.modules))}"
        )
        timed(case.tree, case.ours.code)  # warm the bytecode caches: every sample measures the same
        timed(case.tree, case.baseline.code)

    order = random.Random(args.seed)
    for run in range(args.runs):
        order.shuffle(cases)  # interleaved, in a new order each round
        for case in cases:
            sample_pair(case, baseline_first=run % 2 == 0, depth=run % args.depths)
        print(f"  round {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    cases.sort(key=lambda case: case.handler)

    width = max(len(case.handler) for case in cases)
    print(
        f"\n{args.runs} rounds of one fresh interpreter per side. wall, cpu, -X it: the median over the rounds"
        f" of handler / baseline (the two samples of a round taken back to back), and the middle half of"
        f" the rounds' wall ratios; min: fastest handler / fastest baseline; depth 0: the wall ratio of the"
        f" rounds loaded at the script's top level (the others 2 to {args.depths} frames deeper)."
        f" Target: wall <= {TARGET:.2f}x"
    )
    print(
        f"{'handler':<{width}}  {'wall':>6} {'(middle half)':>13} {'cpu':>6} {'-X it':>6} {'min':>6} {'depth 0':>7}"
        f"   {'wall (median)':>17}   {'-X importtime (median)':>22}"
    )
    print(f"{'':<{width}}  {'':>49}   {'baseline':>8} {'handler':>8}   {'baseline':>11} {'handler':>10}")
    failed = []
    for case in cases:
        wall, cpu, imports = (paired_ratio(case, what) for what in ("wall", "cpu", "importtime"))
        fastest = min(case.ours.wall) / min(case.baseline.wall)
        if wall > TARGET:
            failed.append(case.handler)
        base, ours = case.baseline, case.ours
        print(
            f"{case.handler:<{width}}  {wall:5.2f}x {spread(paired_ratios(case, 'wall')):>13}"
            f" {cpu:5.2f}x {imports:5.2f}x {fastest:5.2f}x {top_level_ratio(case):6.2f}x"
            f"   {statistics.median(base.wall) * 1000:5.0f} ms {statistics.median(ours.wall) * 1000:5.0f} ms"
            f"   {statistics.median(base.importtime) * 1000:8.0f} ms {statistics.median(ours.importtime) * 1000:7.0f} ms"
        )
    print("PASS: every handler within the target" if not failed else f"FAIL: {', '.join(failed)}")
    if args.json:
        samples = {
            case.handler: {
                "modules": case.modules,
                "frozen": case.frozen,
                **{
                    f"{who}_{what}": getattr(side, what)
                    for who, side in (("handler", case.ours), ("baseline", case.baseline))
                    for what in ("wall", "cpu", "importtime")
                },
            }
            for case in cases
        }
        args.json.write_text(json.dumps(samples, indent=1))


if __name__ == "__main__":
    main()
