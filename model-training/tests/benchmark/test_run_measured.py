"""Peak memory of a measured child is the child's own, not its parent's."""

import sys

from llm4es_training.benchmark.java_cli import run_measured

ALLOCATE = "import time; b = bytearray({mb} << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.3)"


def test_peak_rss_is_the_childs_own_not_the_parents():
    ballast = bytearray(600 << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page: the parent now holds >= 600 MB
    small = run_measured([sys.executable, "-c", ALLOCATE.format(mb=1)])
    large = run_measured([sys.executable, "-c", ALLOCATE.format(mb=300)])
    del ballast
    assert small.max_rss_mb < 100, small.max_rss_mb
    assert 300 <= large.max_rss_mb < 450, large.max_rss_mb
