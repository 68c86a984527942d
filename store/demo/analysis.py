"""Each agent's analyses before a morning report: the names it flagged that week, judged on the last session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from store.demo.loading import Connection, act_as, as_json, copy_rows
from store.demo.panel import Panel
from store.demo.signals import AGENTS, SignalRow

PER_AGENT_PER_DAY = 12
RECOMMENDATION_STEPS = ((0.6, "strong_buy"), (0.2, "buy"), (-0.2, "hold"), (-0.6, "sell"))


@dataclass(frozen=True, slots=True)
class Analysis:
    spec: int
    agent: str
    day: dt.date
    recommendation: str
    confidence: float
    reasoning: str
    metrics: dict[str, Any]
    analysed_at: dt.datetime


def _recommendation(score: float) -> str:
    for floor, label in RECOMMENDATION_STEPS:
        if score >= floor:
            return label
    return "strong_sell"


def _technical(panel: Panel, row: int, column: int) -> tuple[float, str, dict[str, Any]]:
    close, sma50, sma200 = panel.adj_close[row, column], panel.sma50[row, column], panel.sma200[row, column]
    momentum = close / panel.adj_close[max(row - 20, 0), column] - 1
    score = float(np.tanh(4 * (close / sma50 - 1) + 3 * (sma50 / sma200 - 1) + 3 * momentum))
    trend = "above" if close > sma50 else "below"
    text = (
        f"Close {panel.close[row, column]:,.2f} is {trend} its 50-day average ({abs(close / sma50 - 1):.1%} away); "
        f"the 50-day is {'above' if sma50 > sma200 else 'below'} the 200-day. 20-session momentum {momentum:+.1%}, "
        f"RSI {panel.rsi[row, column]:.0f}."
    )
    metrics = {
        "close": round(float(panel.close[row, column]), 2),
        "sma_50": round(float(sma50), 2),
        "sma_200": round(float(sma200), 2),
        "momentum_20d_pct": round(float(momentum * 100), 2),
        "rsi_14": round(float(panel.rsi[row, column]), 1),
    }
    return score, text, metrics


def _fundamental(ratios: dict[str, float]) -> tuple[float, str, dict[str, Any]]:
    cheapness = np.log(ratios["sector_pe"] / ratios["pe"])
    quality = (ratios["roe_pct"] - 15) / 25 - max(ratios["debt_equity"] - 1, 0) / 2
    score = float(np.tanh(0.8 * cheapness + quality + (ratios["eps_growth_pct"] - 12) / 40))
    text = (
        f"P/E {ratios['pe']:.1f} against a sector {ratios['sector_pe']:.0f}; ROE {ratios['roe_pct']:.1f}%, "
        f"debt/equity {ratios['debt_equity']:.2f}, EPS growth {ratios['eps_growth_pct']:+.1f}%."
    )
    return score, text, dict(ratios)


def _flow(signals: list[SignalRow]) -> tuple[float, str, dict[str, Any]]:
    buys = sum(1 for signal in signals if signal.signal_type.endswith("_buy") or signal.signal_type == "accumulation")
    sells = sum(1 for signal in signals if signal.signal_type.endswith("_sell"))
    flagged = any(signal.signal_type == "surveillance_added" for signal in signals)
    score = float(np.tanh(0.5 * (buys - sells) - (0.8 if flagged else 0.0)))
    text = f"{buys} buying and {sells} selling flow events this week" + (
        "; under exchange surveillance, position limits apply." if flagged else "."
    )
    return score, text, {"buy_events": buys, "sell_events": sells, "under_surveillance": flagged}


def analyse(
    day: dt.date, panels: dict[str, Panel], signals: list[SignalRow], ratios: dict[int, dict[str, float]]
) -> list[Analysis]:
    """Per agent: the names with its strongest signals in the week before `day`, judged on the last session."""
    week = [signal for signal in signals if day - dt.timedelta(days=7) <= signal.observed_at.date() < day]
    where = {spec: (panel, column) for panel in panels.values() for column, spec in enumerate(panel.specs)}
    found = []
    for number, agent in enumerate(AGENTS):
        own = sorted((s for s in week if s.source == agent.name and s.spec in where), key=lambda s: (-s.score, s.spec))
        chosen = list(dict.fromkeys(signal.spec for signal in own))[:PER_AGENT_PER_DAY]
        for spec in chosen:
            panel, column = where[spec]
            row = panel.row_before(day)
            if row < 1:
                continue
            if agent.name == "technical-agent":
                score, text, metrics = _technical(panel, row, column)
            elif agent.name == "fundamental-agent":
                score, text, metrics = _fundamental(ratios[spec])
            else:
                score, text, metrics = _flow([signal for signal in own if signal.spec == spec])
            confidence = round(0.45 + 0.5 * min(abs(score), 1.0) * (0.7 + 0.3 * (number == 0)), 3)
            at = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=7 * number)
            found.append(Analysis(spec, agent.name, day, _recommendation(score), confidence, text, metrics, at))
    return found


def insert_analyses(connection: Connection, analyses: list[Analysis], ids: dict[int, int]) -> int:
    count = 0
    for agent in AGENTS:
        act_as(connection, agent.actor)
        rows = [
            (
                ids[item.spec],
                item.agent,
                item.recommendation,
                f"{item.confidence:.3f}",
                item.reasoning,
                as_json(item.metrics),
                item.analysed_at,
            )
            for item in analyses
            if item.agent == agent.name
        ]
        columns = (
            "security_id",
            "agent_name",
            "recommendation",
            "confidence",
            "reasoning",
            "key_metrics",
            "analysed_at",
        )
        count += copy_rows(connection, "analysis_results", columns, rows)
    return count
