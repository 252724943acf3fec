"""Dask scheduler addresses: checked for form before any connection, so a typo fails at once."""

from __future__ import annotations

import re
import socket

from vmbench.errors import InputError

__all__ = ["check_address", "connect"]

_ADDRESS = re.compile(r"^(?:(?P<proto>tcp|tls|ws|wss|inproc)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(?P<port>[0-9]{1,5}))?$")
CONNECT_TIMEOUT = "5s"  # a well-formed address that nobody answers


def check_address(address: str) -> str:
    """Return `address` as Dask expects it (``tcp://host:port``) or raise one clear InputError.

    Accepted: ``tcp://host:port``, ``tls://host:port``, ``ws(s)://host:port``, ``host:port``
    (taken as tcp) and ``inproc://...`` (Dask's in-process transport). The port is required for
    network transports and must be 1..65535.
    """
    text = str(address).strip()
    if text.startswith("inproc://"):
        return text
    m = _ADDRESS.match(text)
    port = m.group("port") if m else None
    if not m or port is None or not 0 < int(port) < 65536:
        raise InputError(f"--scheduler {address!r}: not a Dask scheduler address; expected tcp://HOST:PORT "
                         "(e.g. tcp://10.0.0.5:8786, as `dask scheduler` prints)")
    proto = m.group("proto") or "tcp"
    return f"{proto}://{m.group('host')}:{port}"


def connect(address: str):
    """A `distributed.Client` for a checked address; unreachable or refused is one InputError."""
    address = check_address(address)
    _probe(address)
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask[distributed] is a declared dependency
        raise InputError("--scheduler needs dask[distributed] installed (pip install 'dask[distributed]')") from exc
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _probe(address: str) -> None:
    """A plain TCP connect first, so a refused or unroutable tcp:// address fails in seconds
    (Dask's client would retry until its timeout)."""
    if not address.startswith("tcp://"):
        return
    host, _, port = address[len("tcp://"):].rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=3).close()
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc} "
                         "(is `dask scheduler` running there?)") from None
