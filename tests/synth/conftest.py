import pytest

from vmbench.synth import make_dataset


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    """One tiny dataset shared by the read-only tests."""
    return make_dataset(tmp_path_factory.mktemp("tiny") / "ds", preset="tiny", seed=0)
