"""Run independent groups of the tests at once, one pytest process a group, and fail if any group fails.

`make test` and `make test-fast` use it: the suite is single-threaded and the machines have two cores, so the browser
tests (waiting mostly on the app and Chromium) run beside the rest, and the unit tests in two halves. Each group has
its own session fixtures (a few seconds: the data cache is copied, Kent built) and its own log in test-artifacts/,
printed whole when the group ends, so the output of one group is never cut into the other's.

    python -m tests.parallel --group "-m browser" --group "-m 'not browser'" -- -q

Groups start in the order given, at most ``--jobs`` at once; a group waiting starts when one ends.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import time
from pathlib import Path
from textwrap import shorten

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", required=True,
                        help="the pytest arguments of one group (quoted as for a shell)")
    parser.add_argument("--jobs", type=int, default=2, help="groups running at once (default 2: two cores)")
    parser.add_argument("common", nargs="*", help="after --: arguments every group gets")
    args = parser.parse_args(argv)
    ARTIFACTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    waiting = list(enumerate(args.group, start=1))
    running: list[tuple[int, str, Path, subprocess.Popen]] = []
    codes: dict[int, int] = {}
    try:
        while waiting or running:
            while waiting and len(running) < args.jobs:
                n, group = waiting.pop(0)
                log = ARTIFACTS / f"pytest-group-{n}.log"
                # one .pytest_cache writer: the other groups leave it alone
                own = shlex.split(group) + args.common + ([] if n == 1 else ["-p", "no:cacheprovider"])
                with log.open("w") as out:
                    process = subprocess.Popen([sys.executable, "-m", "pytest", *own], stdout=out,
                                               stderr=subprocess.STDOUT)
                running.append((n, group, log, process))
                print(f"group {n} started after {time.perf_counter() - started:.0f} s: "
                      f"pytest {shorten(' '.join(own), 160)} (log: {log})", flush=True)
            for item in [r for r in running if r[3].poll() is not None]:
                n, group, log, process = item
                running.remove(item)
                codes[n] = process.returncode
                print(f"\n===== group {n} ({shorten(group, 100)}) ended with {process.returncode} after "
                      f"{time.perf_counter() - started:.0f} s =====", flush=True)
                sys.stdout.write(log.read_text(errors="replace"))
                sys.stdout.flush()
            time.sleep(0.5)
    finally:
        for _, _, _, process in running:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=60)
    print(f"\nall groups: {time.perf_counter() - started:.0f} s; exit codes {codes}", flush=True)
    return max(codes.values(), default=1)


if __name__ == "__main__":
    raise SystemExit(main())
