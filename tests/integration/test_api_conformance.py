"""Schemathesis, every check (`--checks all`), over the whole API of a demo store: zero
failures. A fixed seed and few examples per operation keep it deterministic here; `make fuzz`
runs the same harness longer with a random seed (`python -m comptoir.testing.apifuzz`)."""

from __future__ import annotations

import pytest

from comptoir.testing import apifuzz

SEED = 20240501
EXAMPLES = 8


@pytest.mark.timeout(900)
def test_schemathesis_finds_no_failure_over_the_whole_api(fresh_database_url: str) -> None:
    done = apifuzz.run_on(fresh_database_url, seed=SEED, max_examples=EXAMPLES, timeout=800)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-20_000:]
    assert "Tested: " in report and " passed" in report
