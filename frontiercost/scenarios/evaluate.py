"""Point estimates: every quantity of a scenario at its priors' central values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..simulator.cost_model import QUANTITIES
from .scenario import Scenario, load_scenario


def evaluate(scenario: Scenario | str | Path) -> xr.Dataset:
    """The scenario's point estimate: every prior at its central value.

    This is how the paper's point estimates are computed.  The result holds
    every quantity the scenario can compute (outputs and intermediates such as
    ``hardware_value``) and the central value of every input, as 0-d variables
    with ``units`` and ``long_name``.

    Parameters
    ----------
    scenario : Scenario, str or path
        A loaded scenario, a built-in name or a file path.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    names = sc.computable()
    model = sc.model(outputs=names)
    x = np.array([[sc.priors[n].central] for n in model.inputs], dtype=np.float64)
    y = np.empty((len(names), 1))
    model.kernel(np.ascontiguousarray(x.reshape(len(model.inputs), 1)), y, 1, model.consts)
    table = {**QUANTITIES, **sc.quantities}
    data = {}
    for name, value in zip(model.inputs, x[:, 0], strict=True):
        q = table.get(name)
        attrs = {"units": sc.priors[name].unit, "long_name": q.long_name if q else name}
        data[name] = xr.DataArray(value, attrs={**attrs, "role": "input"})
    for o, value in zip(model.outputs, y[:, 0], strict=True):
        data[o.name] = xr.DataArray(value, attrs={"units": o.units, "long_name": o.long_name})
    return xr.Dataset(data, attrs={"scenario": sc.name, "title": sc.title, "kind": "point"})
