"""--scheduler addresses: a malformed one is one line at once, before anything is read."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from vmbench.engine.cluster import check_address
from vmbench.errors import InputError


@pytest.mark.parametrize("address", ["localhost", "tcp://", "tcp://host:port", "http://h:1", "tcp://h:0",
                                     "tcp://h:70000", "h:8786:1", "tcp://a b:1", ""])
def test_malformed_address_refused(address):
    with pytest.raises(InputError, match="not a Dask scheduler address"):
        check_address(address)


@pytest.mark.parametrize("address,want", [("127.0.0.1:8786", "tcp://127.0.0.1:8786"),
                                          ("tcp://node-3.cluster:8786", "tcp://node-3.cluster:8786"),
                                          ("tls://[::1]:9000", "tls://[::1]:9000")])
def test_wellformed_address(address, want):
    assert check_address(address) == want


def test_cli_malformed_scheduler_fails_fast(tmp_path):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "vmbench", "eval", "--pred", str(tmp_path), "--gt", str(tmp_path / "gt"),
                           "--task", "plain", "--scheduler", "localhost"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vmbench: error: --scheduler 'localhost': not a Dask")
    assert time.monotonic() - start < 8
