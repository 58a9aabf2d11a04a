"""R&D-share, projection and follower scenarios (docs/model.md §1.3-1.5, §3.6-3.8, §6.6).

Sources of truth: the analytic distribution of each output where the inputs
are independent lognormals (a product of lognormals is lognormal), exact
per-draw identities of the cost model recomputed here with numpy from the
stored input draws, and the published figures as cited expectations (Epoch AI
2025-26 for R&D shares; Cottier et al. 2024 v2 for growth and "$1 B by 2027").

Monte Carlo error at 4 x 5,000 draws: medians to about 1 % (relative), a
probability near 0.5 to 0.0035 (1 sd).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import frontiercost as fc

DRAWS, CHAINS, SEED = 5000, 4, 7


def _draws(name: str) -> dict[str, np.ndarray]:
    post = fc.simulate(name, draws=DRAWS, chains=CHAINS, seed=SEED)["posterior"].to_dataset()
    return {str(k): post[k].values.ravel() for k in post.data_vars}


@pytest.fixture(scope="module")
def openai() -> dict[str, np.ndarray]:
    return _draws("openai-2024-lab-year")


@pytest.fixture(scope="module")
def projection() -> dict[str, np.ndarray]:
    return _draws("frontier-run-2025-2030")


@pytest.fixture(scope="module")
def follower() -> dict[str, np.ndarray]:
    return _draws("follower-replication")


def _mu_sigma(prior: fc.Prior) -> tuple[float, float]:
    return float(prior.mu), float(prior.sigma)  # type: ignore[attr-defined]


# --- OpenAI 2024 lab-year -----------------------------------------------------------------


def test_openai_final_run_share(openai: dict[str, np.ndarray]) -> None:
    """Final runs / R&D compute: what the inputs imply, near Epoch's 9.6 %.

    chip-hours, price and R&D compute are independent lognormals, so the share
    is lognormal with median exp(mu_h + mu_p - mu_rd).
    """
    sc = fc.load_scenario("openai-2024-lab-year")
    mu = sum(_mu_sigma(sc.priors[k])[0] for k in ("chip_hours", "cloud_price"))
    implied = math.exp(mu - _mu_sigma(sc.priors["rd_compute_cost"])[0])
    median = float(np.median(openai["final_run_share"]))
    assert median == pytest.approx(implied, rel=0.03)
    # Epoch: 9.6 %; our R&D prior's median ($5.3 B) sits above Epoch's $5 B point
    # (a longer research amortization is possible), so the median share is ~6 % lower
    assert median == pytest.approx(0.096, rel=0.10)


def test_openai_flop_share_exceeds_dollar_share(openai: dict[str, np.ndarray]) -> None:
    """s u / (s u + (1 - s) u_rd) > s exactly when the final run's utilization is higher."""
    s, u, u_rd = openai["final_run_share"], openai["utilization"], openai["rd_utilization"]
    flop = openai["final_run_flop_share"]
    np.testing.assert_allclose(flop, s * u / (s * u + (1 - s) * u_rd), rtol=1e-12)
    # independent priors on final runs and R&D compute put a few far-tail draws
    # above share 1 (final runs cost more than all R&D compute: impossible);
    # conditioning on the reported totals will remove them
    assert np.mean(s >= 1) < 1e-3
    ok = s < 1
    np.testing.assert_array_equal(flop[ok] > s[ok], u[ok] > u_rd[ok])
    assert np.median(flop) > np.median(s)
    # P(u > u_rd) from the two priors by quadrature (MFU median 0.36, R&D 0.21)
    sc = fc.load_scenario("openai-2024-lab-year")
    mfu, rd = sc.priors["utilization"]._scipy(), sc.priors["rd_utilization"]._scipy()
    p_higher = integrate.quad(lambda x: mfu.sf(x) * rd.pdf(x), 0, 1)[0]
    assert np.mean(u > u_rd) == pytest.approx(p_higher, abs=0.015)  # about 4 sd
    assert p_higher > 0.5


def test_openai_totals(openai: dict[str, np.ndarray]) -> None:
    """Total compute = R&D + inference; Epoch: ~$6.8-7 B, R&D ~ 74 % of it."""
    total = openai["total_compute_cost"]
    np.testing.assert_allclose(total, openai["rd_compute_cost"] + openai["inference_cost"])
    assert 6.5e9 < np.median(total) < 7.5e9
    assert np.median(openai["rd_share_of_compute"]) == pytest.approx(5 / 6.8, abs=0.03)


# --- MiniMax and Z.ai filings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rd_usd", "compute_low", "compute_high", "epoch_share"),
    [
        # MiniMax: R&D $189 M (2024), compute 67-79 %; Epoch final-run share 22.6 %
        ("minimax-rd", 189e6, 0.67, 0.79, 0.226),
        # Z.ai: R&D RMB 2.195 B at 7.20 RMB/USD, compute ~71 % read as 66-76 %; Epoch 12.3 %
        ("zai-rd", 2.195e9 / 7.20, 0.66, 0.76, 0.123),
    ],
)
def test_filing_priors(
    name: str, rd_usd: float, compute_low: float, compute_high: float, epoch_share: float
) -> None:
    """R&D compute = R&D expense x compute fraction; the share prior is centred on Epoch's."""
    sc = fc.load_scenario(name)
    rd = sc.priors["rd_compute_cost"]._scipy()
    np.testing.assert_allclose(
        rd.ppf([0.05, 0.95]), [rd_usd * compute_low, rd_usd * compute_high], rtol=1e-4
    )
    assert sc.priors["final_run_share"]._scipy().median() == pytest.approx(epoch_share, rel=1e-6)
    d = _draws(name)
    np.testing.assert_allclose(d["final_runs_cost"], d["rd_compute_cost"] * d["final_run_share"])
    np.testing.assert_array_equal(
        d["final_run_flop_share"] > d["final_run_share"], d["utilization"] > d["rd_utilization"]
    )


# --- Projection ---------------------------------------------------------------------------


def test_projection_medians_and_crossing(projection: dict[str, np.ndarray]) -> None:
    """cost(Y) = base x g^(Y - 2023.2) with lognormal base and growth: lognormal.

    Paper v2 (abstract): "the largest training runs will cost more than a
    billion dollars by 2027". From GPT-4's cost and 2.4x/yr the median crosses
    $1 B in late 2026; the test asserts the crossing the inputs imply and that
    it lies in 2026-2028.
    """
    sc = fc.load_scenario("frontier-run-2025-2030")
    mu_f, s_f = _mu_sigma(sc.priors["final_run_cost"])
    mu_g, s_g = _mu_sigma(sc.priors["growth_rate"])
    for year in range(2025, 2031):
        dt = year - 2023.2
        got = projection[f"projected_cost_{year}"]
        assert np.median(got) == pytest.approx(math.exp(mu_f + dt * mu_g), rel=0.03)
        p_exceed = stats.norm.sf(math.log(1e9), mu_f + dt * mu_g, math.hypot(s_f, dt * s_g))
        assert np.mean(got > 1e9) == pytest.approx(p_exceed, abs=0.015)  # about 4 sd
    crossing = 2023.2 + (math.log(1e9) - mu_f) / mu_g
    assert 2026 <= crossing <= 2028
    assert np.median(projection["billion_dollar_year"]) == pytest.approx(crossing, abs=0.05)
    assert np.median(projection["projected_cost_2026"]) < 1e9
    assert np.median(projection["projected_cost_2028"]) > 1e9


# --- Follower -----------------------------------------------------------------------------


def test_replication_ratio(follower: dict[str, np.ndarray]) -> None:
    """ratio = ppg^-lag x leader share / follower share; below 1 with high probability."""
    d = follower
    share = np.minimum(1 / d["follower_experiment_factor"], 1)
    np.testing.assert_allclose(d["follower_final_share"], share, rtol=1e-12)
    expected = d["price_performance_growth"] ** -d["lag_years"] * d["final_run_share"] / share
    np.testing.assert_allclose(d["replication_ratio"], expected, rtol=1e-10)
    assert np.mean(d["replication_ratio"] < 1) > 0.99
    assert np.median(d["follower_rd_cost"]) < np.median(d["rd_compute_cost"])
