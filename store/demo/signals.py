"""Three research agents: their settings, the signals they noticed, and their analyses before each morning report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from store.demo.loading import Connection, act_as, as_json, copy_rows
from store.demo.panel import Panel
from store.demo.universe import SecuritySpec

SIGNAL_WINDOW = 60
TYPICAL_PE = {
    "Financial Services": 16.0,
    "Information Technology": 27.0,
    "Healthcare": 30.0,
    "Fast Moving Consumer Goods": 42.0,
    "Consumer Discretionary": 32.0,
    "Energy": 11.0,
    "Utilities": 15.0,
    "Commodities": 14.0,
    "Industrials": 28.0,
    "Services": 24.0,
    "Telecommunication": 22.0,
}


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    weight: str
    parameters: dict[str, Any]

    @property
    def actor(self) -> str:
        return f"agent:{self.name}"


AGENTS = (
    Agent(
        "technical-agent",
        "1.00",
        {
            "breakout_window": 252,
            "rsi_period": 14,
            "rsi_oversold": 30,
            "rsi_overbought": 70,
            "volume_spike_multiple": 3.0,
            "moving_averages": [50, 200],
        },
    ),
    Agent(
        "fundamental-agent",
        "0.80",
        {
            "max_pe_vs_sector": 0.7,
            "min_roe_pct": 15,
            "max_debt_equity": 1.0,
            "scan_weekday": "monday",
            "universe": "active equities",
        },
    ),
    Agent(
        "flow-agent",
        "0.60",
        {
            "deal_lookback_days": 20,
            "accumulation_multiple": 2.0,
            "watch_surveillance": True,
            "exchanges": ["NSE", "LSE", "NASDAQ"],
        },
    ),
)


@dataclass(frozen=True, slots=True)
class SignalRow:
    spec: int
    signal_type: str
    score: float
    source: str
    observed_at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)


def fundamentals(rng: np.random.Generator, specs: list[SecuritySpec]) -> dict[int, dict[str, float]]:
    """Made-up but coherent ratios per equity: P/E around its sector's, ROE, leverage, growth, dividend yield."""
    found = {}
    for index, spec in enumerate(specs):
        if spec.instrument_type != "equity" or spec.industry is None or spec.profile is None:
            continue
        typical = TYPICAL_PE.get(spec.industry.macro, 20.0)
        found[index] = {
            "pe": round(float(typical * np.exp(rng.normal(0, 0.35))), 1),
            "sector_pe": typical,
            "roe_pct": round(float(np.clip(rng.normal(15, 7), -12, 45)), 1),
            "debt_equity": round(float(np.exp(rng.normal(-0.8, 0.8))), 2),
            "eps_growth_pct": round(float(rng.normal(12, 14)), 1),
            "dividend_yield_pct": round(spec.profile.dividend_yield * 100, 2),
        }
    return found


def _observed(panel: Panel, row: int, minutes: int) -> dt.datetime:
    return panel.session_close(row) + dt.timedelta(minutes=minutes)


def technical_signals(panel: Panel) -> list[SignalRow]:
    """Breakouts and breakdowns of the 52-week range, MA crosses, RSI extremes, volume spikes."""
    close, rows = panel.adj_close, range(max(len(panel.dates) - SIGNAL_WINDOW, 1), len(panel.dates))
    ratio = panel.volume / panel.volume_average
    above = panel.sma50 > panel.sma200
    found = []
    for row in rows:
        tests = {
            "breakout_52w_high": close[row] > panel.high_52w[row],
            "breakdown_52w_low": close[row] < panel.low_52w[row],
            "golden_cross": above[row] & ~above[row - 1] & np.isfinite(panel.sma200[row - 1]),
            "death_cross": ~above[row] & above[row - 1],
            "rsi_oversold": (panel.rsi[row] < 30) & (panel.rsi[row - 1] >= 30),
            "rsi_overbought": (panel.rsi[row] > 70) & (panel.rsi[row - 1] <= 70),
            "volume_spike": ratio[row] > 3.0,
        }
        for signal_type, hits in tests.items():
            for column in np.flatnonzero(hits):
                score = min(99.0, 55 + 8 * min(float(ratio[row, column]), 5) + (10 if "cross" in signal_type else 0))
                data = {
                    "close": round(float(panel.close[row, column]), 2),
                    "rsi_14": round(float(panel.rsi[row, column]), 1),
                    "sma_50": round(float(panel.sma50[row, column]), 2),
                    "sma_200": round(float(panel.sma200[row, column]), 2),
                    "volume_vs_avg": round(float(ratio[row, column]), 2),
                    "session": panel.date(row).isoformat(),
                }
                found.append(
                    SignalRow(
                        panel.specs[column],
                        signal_type,
                        round(score, 2),
                        "technical-agent",
                        _observed(panel, row, 20),
                        data,
                    )
                )
    return found


def fundamental_signals(panel: Panel, ratios: dict[int, dict[str, float]]) -> list[SignalRow]:
    """A weekly scan (first session of each week): the cheapest quality names, and reactions to results."""
    found = []
    rows = range(max(len(panel.dates) - SIGNAL_WINDOW, 1), len(panel.dates))
    weeks = panel.dates.astype("datetime64[W]")
    for row in rows:
        gap = panel.open[row] / panel.close[row - 1] - 1
        for column in np.flatnonzero(np.abs(gap) > 0.05):
            direction = "earnings_upgrade" if gap[column] > 0 else "earnings_downgrade"
            data = {
                **ratios[panel.specs[column]],
                "gap_pct": round(float(gap[column] * 100), 2),
                "session": panel.date(row).isoformat(),
            }
            found.append(
                SignalRow(
                    panel.specs[column],
                    direction,
                    round(min(99.0, 50 + abs(float(gap[column])) * 400), 2),
                    "fundamental-agent",
                    _observed(panel, row, 40),
                    data,
                )
            )
        if weeks[row] == weeks[row - 1]:
            continue
        value = {
            spec: ratios[spec]["sector_pe"] / ratios[spec]["pe"] + ratios[spec]["roe_pct"] / 30 for spec in panel.specs
        }
        for spec in sorted(value, key=lambda key: -value[key])[:3]:
            kind = "value_screen" if ratios[spec]["pe"] < ratios[spec]["sector_pe"] else "quality_compounder"
            found.append(
                SignalRow(
                    spec,
                    kind,
                    round(min(99.0, 40 + value[spec] * 20), 2),
                    "fundamental-agent",
                    _observed(panel, row, -600),
                    {**ratios[spec], "scan": panel.date(row).isoformat()},
                )
            )
    return found


FLOW = "flow-agent"


def _event_signals(panel: Panel, deals: list[tuple[Any, ...]], measures: list[tuple[Any, ...]]) -> list[SignalRow]:
    first = panel.date(max(len(panel.dates) - SIGNAL_WINDOW, 0))

    def row_of(day: dt.date) -> int:
        return int(np.searchsorted(panel.dates, np.datetime64(day, "D")))

    found = []
    for day, spec, kind, client, side, quantity, price, _ in deals:
        if day >= first and spec in panel.specs:
            data = {"client": client, "quantity": quantity, "price": float(price), "kind": kind, "side": side}
            score = 70.0 if side == "buy" else 60.0
            found.append(SignalRow(spec, f"{kind}_deal_{side}", score, FLOW, _observed(panel, row_of(day), 90), data))
    for spec, measure, stage, reason, effective, _ in measures:
        if effective >= first and spec in panel.specs:
            data = {"measure": measure, "stage": stage, "reason": reason}
            at = _observed(panel, row_of(effective), -720)
            found.append(SignalRow(spec, "surveillance_added", 65.0, FLOW, at, data))
    return found


def _accumulation(panel: Panel) -> list[SignalRow]:
    """Every fifth session: five days of volume above twice the 20-day average while the price rose."""
    windows = np.lib.stride_tricks.sliding_window_view(panel.volume, 5, axis=0).mean(axis=2)
    five_day = np.vstack([np.full((4, panel.volume.shape[1]), np.nan), windows])
    rising = panel.adj_close > np.vstack([panel.adj_close[:5], panel.adj_close[:-5]])
    found = []
    for row in range(max(len(panel.dates) - SIGNAL_WINDOW, 25), len(panel.dates), 5):
        for column in np.flatnonzero((five_day[row] > 2.0 * panel.volume_average[row]) & rising[row]):
            ratio = float(five_day[row, column] / panel.volume_average[row, column])
            data = {"five_day_volume_vs_avg": round(ratio, 2)}
            score = round(min(99.0, 45 + 10 * ratio), 2)
            found.append(SignalRow(panel.specs[column], "accumulation", score, FLOW, _observed(panel, row, 60), data))
    return found


def flow_signals(panel: Panel, deals: list[tuple[Any, ...]], measures: list[tuple[Any, ...]]) -> list[SignalRow]:
    """Deals and surveillance changes on the names followed, and quiet accumulation (volume up, price up)."""
    return _event_signals(panel, deals, measures) + _accumulation(panel)


def insert_agents(connection: Connection) -> int:
    act_as(connection, "admin:setup", "demo: research agents configured")
    rows = [(agent.name, True, agent.weight, as_json(agent.parameters)) for agent in AGENTS]
    count = copy_rows(connection, "agent_configs", ("agent_name", "enabled", "weight", "parameters"), rows)
    act_as(connection, "priya.nair", "flow signals were too noisy on small caps")
    connection.execute(
        "update agent_configs set weight = 0.50, parameters = parameters || %s where agent_name = 'flow-agent'",
        (as_json({"min_market_cap": 5_000_000_000}),),
    )
    return count


def insert_signals(connection: Connection, signals: list[SignalRow], ids: dict[int, int]) -> int:
    count = 0
    for agent in AGENTS:
        act_as(connection, agent.actor)
        rows = [
            (ids[row.spec], row.signal_type, f"{row.score:.2f}", row.source, row.observed_at, as_json(row.data))
            for row in sorted(signals, key=lambda item: (item.observed_at, item.spec, item.signal_type))
            if row.source == agent.name
        ]
        count += copy_rows(
            connection, "signals", ("security_id", "signal_type", "score", "source", "observed_at", "data"), rows
        )
    return count
