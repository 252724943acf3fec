"""Dataset profiles: the field's public benchmarks as parameters for vmbench's pairing and scoring.

``vmbench datasets`` lists them; ``vmbench eval --dataset NAME`` and ``vmbench check --dataset NAME``
apply one. See docs/datasets.md for each profile's facts and where they were read.
"""

from vmbench.datasets.profile import Profile
from vmbench.datasets.registry import PROFILES, get_profile, profile_names

__all__ = ["Profile", "PROFILES", "get_profile", "profile_names"]
