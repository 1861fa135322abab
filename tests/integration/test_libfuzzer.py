"""A short libFuzzer run of every in-process fuzz target (scripts/fuzz.sh; targets in Sources/JunctionFuzzTargets):
10 seconds each from the committed seeds in fuzz/corpus/<target>. A crash, a trap, a hang past 10 s on one input
or more than 2 GiB of memory fails the run; libFuzzer's report and the input that caused it are quoted.

The instrumented binary is built by scripts/test.sh (`scripts/fuzz.sh --build`); run alone, the tests skip
until it exists. The long campaign is the same script with more seconds (README, "Fuzzing")."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

FUZZ_SCRIPT = REPO / "scripts" / "fuzz.sh"
FUZZ_BIN = Path(os.environ.get("JUNCTION_FUZZ_BIN", REPO / ".build" / "fuzz" / "release" / "junction-fuzz"))
SECONDS = int(os.environ.get("JUNCTION_FUZZ_SECONDS", "10"))


def targets() -> list[str]:
    out = subprocess.run([str(FUZZ_SCRIPT), "--list"], capture_output=True, text=True, check=True).stdout
    return out.split()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("target", targets())
def test_short_libfuzzer_run(target, tmp_path):
    if not FUZZ_BIN.exists():
        pytest.skip(f"{FUZZ_BIN} is not built: scripts/fuzz.sh --build (scripts/test.sh does it)")
    seeds = REPO / "fuzz" / "corpus" / target
    assert len(list(seeds.iterdir())) >= 5, f"{seeds} holds too few seeds"
    work = tmp_path / "corpus"
    findings = tmp_path / "findings"
    work.mkdir()
    findings.mkdir()
    run = subprocess.run(
        [str(FUZZ_BIN), f"-max_total_time={SECONDS}", "-print_final_stats=1", "-max_len=16384", "-timeout=10",
         "-rss_limit_mb=2048", f"-artifact_prefix={findings}/", str(work), str(seeds)],
        env={**os.environ, "JUNCTION_FUZZ_TARGET": target}, capture_output=True, text=True, timeout=SECONDS + 240)
    report = run.stderr[-6000:]
    found = sorted(p.name for p in findings.iterdir())
    assert run.returncode == 0 and not found, (
        f"libFuzzer on {target} stopped with {run.returncode}; inputs saved: {found} "
        f"(replay: swift run junction-fuzz {target} FILE)\n{report}")
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", run.stderr)
    assert runs and int(runs.group(1)) > 0, f"libFuzzer ran nothing:\n{report}"
