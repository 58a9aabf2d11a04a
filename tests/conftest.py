"""Shared fixtures: small models and priors used across the engine tests."""

from __future__ import annotations

import pytest

from frontiercost.bench.reference import reference_model
from frontiercost.priors import Prior
from frontiercost.simulator import Model


@pytest.fixture(scope="session")
def ref() -> tuple[Model, dict[str, Prior]]:
    """The benchmark's reference model (5 uncertain inputs, one output)."""
    return reference_model()
