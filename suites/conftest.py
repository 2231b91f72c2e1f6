"""Shared fixtures for the end-to-end tests: where the repository, the build
and the vectors are. `make test` builds before it runs pytest; a missing
executable is a failure, never a skip."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("KX_BUILD_DIR", ROOT / "build"))


def built(name):
    path = BUILD / name
    assert path.is_file() and os.access(path, os.X_OK), "%s is not built: run `make test`" % path
    return path


@pytest.fixture(scope="session")
def kxconform():
    return built("kxconform")


@pytest.fixture(scope="session")
def vectors_dir():
    return ROOT / "vectors"
