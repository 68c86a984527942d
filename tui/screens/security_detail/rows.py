"""How the security detail shows its facts: the header lines and the rows of each tab."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from store.records.research_output import AnalysisRecord, SignalRecord
from store.records.securities import MarketCap
from store.records.trading import PositionRecord, TradeRecord
from tui.screens.security_detail.data import RECENT_DEAL_DAYS, ActionRow, DealRow, SecurityFacts
from tui.widgets.price_chart import format_price, format_volume

Cell = str | Text
CRORE = decimal.Decimal(10_000_000)


def number(value: decimal.Decimal | float | int | None, places: int = 2) -> Text:
    """Right-aligned, grouped, '' for nothing."""
    return Text("" if value is None else f"{value:,.{places}f}", justify="right")


def signed(value: decimal.Decimal | float | None, places: int = 2) -> Text:
    """+12.30 in green, -4.10 in red."""
    if value is None:
        return Text("")
    return Text(f"{value:+,.{places}f}", style="green" if value >= 0 else "red", justify="right")


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) else f"{value:%Y-%m-%d}"


def first_line(text: str | None, width: int = 60) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


@dataclass(frozen=True, slots=True)
class TabSpec:
    """A tab: its title, columns (name and width; a name ending in ">" is a right-aligned number), where its
    records are in SecurityFacts and how a record becomes cells."""

    title: str
    columns: tuple[tuple[str, int], ...]
    records: Callable[[SecurityFacts], Sequence[Any]]
    cells: Callable[[Any], tuple[Cell, ...]]

    def headers(self) -> list[tuple[Text, int]]:
        """Fixed widths: a table's layout does not wait for (or move with) its rows."""
        return [
            (Text(name.rstrip(">"), justify="right" if name.endswith(">") else "left"), width)
            for name, width in self.columns
        ]


def _signal(record: SignalRecord) -> tuple[Cell, ...]:
    return day(record.observed_at), record.signal_type, record.source, number(record.score)


def _analysis(record: AnalysisRecord) -> tuple[Cell, ...]:
    call = record.recommendation.replace("_", " ")
    style = "green" if "buy" in call else "red" if "sell" in call else ""
    return (day(record.analysed_at), record.agent_name, Text(call, style=style),
            number(record.confidence * 100, 0), first_line(record.reasoning))  # fmt: skip


def _action(record: ActionRow) -> tuple[Cell, ...]:
    return (day(record.ex_date), record.action_type, number(record.ratio, 4), number(record.amount),
            record.currency or "", day(record.record_date), day(record.pay_date))  # fmt: skip


def _deal(record: DealRow) -> tuple[Cell, ...]:
    return (day(record.deal_date), record.kind, Text(record.side, style="green" if record.side == "buy" else "red"),
            record.client_name, number(record.quantity, 0), number(record.price))  # fmt: skip


def _position(record: PositionRecord) -> tuple[Cell, ...]:
    pnl = record.unrealized_pnl if record.status == "open" else record.realized_pnl
    return (day(record.entry_date), number(record.quantity, 0), number(record.entry_price), number(record.last_close),
            number(record.stop_loss), number(record.target), record.status, signed(pnl))  # fmt: skip


def _trade(record: TradeRecord) -> tuple[Cell, ...]:
    return (day(record.executed_at), Text(record.side, style="green" if record.side == "buy" else "red"),
            number(record.quantity, 0), number(record.price), number(record.fees), signed(record.realized_pnl),
            record.outcome or "")  # fmt: skip


TABS: dict[str, TabSpec] = {
    "signals": TabSpec(
        "Signals", (("Observed", 16), ("Signal", 22), ("Source", 16), ("Score>", 8)), lambda f: f.signals, _signal
    ),
    "analyses": TabSpec(
        "Analyses",
        (("Analysed", 16), ("Agent", 16), ("Call", 11), ("Conf %>", 6), ("Reasoning", 60)),
        lambda f: f.analyses,
        _analysis,
    ),
    "actions": TabSpec(
        "Actions",
        (("Ex-date", 10), ("Action", 12), ("Ratio>", 8), ("Amount>", 10), ("Ccy", 4), ("Record", 10), ("Paid", 10)),
        lambda f: f.actions,
        _action,
    ),
    "deals": TabSpec(
        "Deals",
        (("Date", 10), ("Kind", 6), ("Side", 5), ("Client", 34), ("Quantity>", 12), ("Price>", 10)),
        lambda f: f.deals,
        _deal,
    ),
    "positions": TabSpec(
        "Positions",
        (
            ("Entry", 10),
            ("Qty>", 8),
            ("Entry price>", 11),
            ("Last>", 10),
            ("Stop>", 10),
            ("Target>", 10),
            ("Status", 7),
            ("P&L>", 12),
        ),
        lambda f: f.positions,
        _position,
    ),
    "trades": TabSpec(
        "Trades",
        (("Executed", 16), ("Side", 5), ("Qty>", 8), ("Price>", 10), ("Fees>", 8), ("P&L>", 12), ("Outcome", 10)),
        lambda f: f.trades,
        _trade,
    ),
}


def header_text(facts: SecurityFacts, today: dt.date) -> Text:
    """Three lines: who it is, where it trades now, and the flags an analyst must not miss."""
    detail = facts.detail
    header = Text()
    header.append(detail.name or detail.symbol, style="bold")
    where = [detail.symbol, detail.exchange, detail.isin or "no ISIN", detail.instrument_type]
    header.append("  " + " · ".join(where))
    if detail.classification is not None:
        sectors = (detail.classification.sector, detail.classification.industry)
        header.append("  " + " / ".join(part for part in sectors if part), style="italic")
    header.append("\n").append_text(_price_line(facts)).append("\n").append_text(_flags_line(facts, today))
    return header


def _price_line(facts: SecurityFacts) -> Text:
    line, bar = Text(), facts.detail.latest_bar
    if bar is None:
        return line.append("no prices yet", style="dim")
    line.append("Last ").append(f"{bar.close:,.2f}", style="bold")
    if facts.previous_close:
        change = bar.close - facts.previous_close
        pct = change / facts.previous_close * 100
        arrow, style = ("▲", "green") if change >= 0 else ("▼", "red")
        line.append(f" {arrow} {change:+,.2f} ({pct:+.2f}%)", style=style)
    line.append(f" on {bar.trade_date:%Y-%m-%d}", style="dim")
    if bar.volume is not None:
        line.append(f" · vol {format_volume(bar.volume)}")
    if facts.low_52w is not None and facts.high_52w is not None:
        line.append(f" · 52w {facts.low_52w:,.2f} – {facts.high_52w:,.2f}")
    if facts.detail.market_cap is not None:
        line.append(f" · mcap {market_cap(facts.detail.market_cap)}")
    return line


def market_cap(cap: MarketCap) -> str:
    """Rupee caps in crore as Indian desks quote them; other currencies in plain units."""
    if cap.currency in (None, "INR"):
        return f"₹{indian_grouping(round(cap.market_cap / CRORE))} Cr"
    return f"{cap.currency} {format_volume(float(cap.market_cap))}"


def indian_grouping(value: int) -> str:
    """6,47,512: thousands, then lakhs and crores in pairs of digits."""
    digits = str(abs(value))
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while head:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ("-" if value < 0 else "") + ",".join([*pairs, tail])


def _flags_line(facts: SecurityFacts, today: dt.date) -> Text:
    flags = Text()
    for measure in facts.detail.surveillance:
        stage = f" {measure.stage}" if measure.stage else ""
        flags.append(f"⚑ {measure.measure}{stage} since {measure.effective_date:%Y-%m-%d}", style="bold red")
        flags.append("  ")
    recent = [deal for deal in facts.deals if (today - deal.deal_date).days <= RECENT_DEAL_DAYS]
    if recent:
        latest = recent[0]
        flags.append(
            f"◆ {len(recent)} deal{'s' if len(recent) > 1 else ''} in {RECENT_DEAL_DAYS} d: {latest.kind} "
            f"{latest.side} {format_volume(latest.quantity)} @ {format_price(float(latest.price))} "
            f"{latest.deal_date:%Y-%m-%d} {latest.client_name}",
            style="yellow",
        )
    if not flags:
        flags.append(f"no surveillance measure · no deals in {RECENT_DEAL_DAYS} days", style="dim")
    return flags
