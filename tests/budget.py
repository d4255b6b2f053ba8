"""Measuring an entry point's cost: run a snippet in a process of its own and report its wall time, CPU time and
peak memory (the kernel's high-water mark of that process, ``VmHWM``), so a budget in the README is a number
the tests check, not a promise.

Each child runs with its address space capped (3 GB): a regression fails the test, it does not take the machine
down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 10.0
"""The README's budget: every entry point at its limit is answered or refused within this CPU time (the
process's own: wall time on a machine shared by other work varies threefold and more)..."""
PEAK_MB = 600.0
"""...and this peak memory (on the 2-core machine the tests run on, shared with other work)."""

_WRAPPER = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
_wall, _cpu = time.perf_counter(), time.process_time()
result = None
{body}
_hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
_out = {{"seconds": time.perf_counter() - _wall, "cpu": time.process_time() - _cpu, "peak_mb": _hwm / 1024,
        "result": result}}
sys.stdout.write("\\n@@budget@@" + json.dumps(_out) + "\\n")
"""


def measure(body: str, *, setup: str = "", env: dict[str, str] | None = None, timeout: float = 120) -> dict:
    """Run ``setup`` (imports: not counted in the time) then ``body`` (sets ``result``, any JSON value) in a
    child process; returns {'seconds', 'cpu', 'peak_mb', 'result'}. The peak includes the imports."""
    code = textwrap.dedent(setup) + "\n" + _WRAPPER.format(body=textwrap.dedent(body))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                         env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stderr[-2000:]
    measured = json.loads(run.stdout.rsplit("@@budget@@", 1)[1])
    print(f"budget: {measured['seconds']:.2f} s wall, {measured['cpu']:.2f} s CPU, {measured['peak_mb']:.0f} MB peak")
    return measured


def within_budget(measured: dict, seconds: float = SECONDS, peak_mb: float = PEAK_MB) -> bool:
    """True when a measurement is within the README's budget (CPU seconds and peak memory)."""
    return measured["cpu"] <= seconds and measured["peak_mb"] <= peak_mb
