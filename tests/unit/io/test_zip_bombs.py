"""An .xlsx is checked by the bytes it really inflates to, in constant memory.

The memory is measured in a fresh Python process: calamine allocates in Rust, where
tracemalloc sees nothing, and `ru_maxrss` is the high-water mark of the whole process, so
it is read there just before and just after `read_table`, with every module already
imported and the file already in memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from comptoir.io import TabularError, read_table
from comptoir.io.xlsx import SIZE_MISMATCH, TOO_LARGE
from tests.unit.io.zip_bombs import (
    STORED,
    STRINGS_HEAD,
    Member,
    deflated,
    honest_huge_xlsx,
    lying_xlsx,
    workbook_parts,
    zip_bytes,
)

MAX_RISE_MB = 200
INFLATES_TO = 1_150_000_000  # as the 3.9 MB upload of the report

MEASURE = """
import json, resource, sys
from pathlib import Path
import openpyxl, python_calamine
from comptoir.io import TabularError, read_table
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    read_table(data, filename="customers.xlsx")
    message = None
except TabularError as error:
    message = error.message
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"message": message, "rise_mb": (after - before) / 1024}))
"""


def read_in_a_fresh_process(data: bytes, tmp_path: Path) -> dict[str, Any]:
    """`read_table` of `data` in a new interpreter: its error and peak memory rise."""
    file = tmp_path / "upload.xlsx"
    file.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def strings(text: str) -> bytes:
    return STRINGS_HEAD + text.encode() + b"</t></si></sst>"


@pytest.mark.parametrize("declared", [4096, 400_000_000], ids=["4 KB", "400 MB"])
def test_a_workbook_whose_headers_understate_its_size_is_refused_in_under_200_mb(
    tmp_path: Path, declared: int
) -> None:
    # 400 MB declared passes the declared-size limit (500 MB): trusting the headers, the
    # readers inflated all of it (some 400 MB of memory) before finding the lie.
    bomb = lying_xlsx(INFLATES_TO, declared=declared)
    assert len(bomb) < 4_000_000

    result = read_in_a_fresh_process(bomb, tmp_path)

    assert result["message"] == SIZE_MISMATCH
    assert result["rise_mb"] < MAX_RISE_MB, result


def test_an_honest_workbook_too_large_once_decompressed_is_refused_in_under_200_mb(
    tmp_path: Path,
) -> None:
    result = read_in_a_fresh_process(honest_huge_xlsx(INFLATES_TO), tmp_path)

    assert result["message"] == TOO_LARGE
    assert result["rise_mb"] < MAX_RISE_MB, result


def test_a_stored_part_longer_than_its_declared_size_is_refused() -> None:
    content = strings("hello")
    part = Member("", content, STORED, zlib.crc32(content[:10]), 10)

    with pytest.raises(TabularError) as refused:
        read_table(zip_bytes(workbook_parts(part)))

    assert refused.value.message == SIZE_MISMATCH


def test_an_honest_hand_written_workbook_is_still_read() -> None:
    table = read_table(zip_bytes(workbook_parts(deflated(strings("hello")))))

    assert table.header == ["hello"]
