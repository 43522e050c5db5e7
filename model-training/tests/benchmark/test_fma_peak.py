"""The speed benchmark's hardware ceiling: examples/scripts/fma-peak.c builds, runs on the threads
asked for and is read back (a few thousand iterations: what is checked is the plumbing, not a speed)."""

import shutil
from pathlib import Path

import pytest

from llm4es_training.benchmark.speed import fma_ceilings

pytestmark = pytest.mark.skipif(
    not any(shutil.which(c) for c in ("cc", "gcc", "clang")), reason="no C compiler on PATH"
)


def test_every_kernel_the_cpu_has_is_read_back(tmp_path):
    found = fma_ceilings(2, tmp_path, iterations=100_000)

    assert found is not None
    assert "float32 FMA, 256-bit" in found
    assert all(value > 0 for value in found.values())
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text(encoding="utf-8") if cpuinfo.is_file() else ""
    if " avx512f " in flags:
        assert "float32 FMA, 512-bit" in found
    if " avx512_vnni " in flags:
        assert "int8 VNNI dot, 512-bit" in found
