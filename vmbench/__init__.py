"""vmbench: exact, fast evaluation and benchmarking for video matting."""

import os as _os

# Numba's parallel kernels run on OpenMP; its default busy-wait makes them several times slower
# whenever the machine is busy (CI runners, --workers, a training job beside). Passive waiting
# costs nothing when idle. Set before any OpenMP runtime starts; a user's own setting wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
__all__ = ["__version__"]
