"""Every table of the contract exists and keeps its rules against plain-SQL writers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from store import migrations
from store.models import Base

from .sql_helpers import (
    CONTRACT_TABLES,
    Refs,
    insert,
    migration_module,
    new_security,
    refused_by,
    refuses_insert,
    scalar,
    seed_every_table,
    valid,
)


@pytest.fixture
def refs(conn: Connection) -> Refs:
    return Refs(
        security=new_security(conn, "INFY", isin="INE009A01021"),
        index=new_security(conn, "NIFTY50", instrument_type="index"),
        strategy=insert(conn, "strategies", name="swing", strategy_type="momentum")["id"],
        watchlist=insert(conn, "watchlists", name="Breakouts")["id"],
    )


def test_every_table_of_the_contract_is_migrated_and_modelled(conn: Connection) -> None:
    migrated = set(
        conn.execute(
            text(
                "select relname from pg_class where relnamespace = current_schema()::regnamespace"
                " and relkind in ('r', 'p') and not relispartition and relname <> 'alembic_version'"
            )
        ).scalars()
    )
    assert migrated == CONTRACT_TABLES
    assert set(Base.metadata.tables) == CONTRACT_TABLES


def model_constraints() -> set[tuple[str, str]]:
    names = set()
    for table in Base.metadata.tables.values():
        names |= {(table.name, str(c.name)) for c in table.constraints}
        names |= {(table.name, str(i.name)) for i in table.indexes}
    return names


def test_every_constraint_and_index_of_the_models_is_in_the_database(conn: Connection) -> None:
    # Autogenerate compares neither CHECK constraints nor partial-index predicates: names and WHERE clauses are here.
    in_database = conn.execute(
        text(
            "select conrelid::regclass::text, conname from pg_constraint where conrelid <> 0"
            " union all select tablename, indexname from pg_indexes where schemaname = current_schema()"
        )
    )
    assert model_constraints() <= {(str(table), str(name)) for table, name in in_database}


def test_partial_indexes_have_the_predicate_of_the_models(conn: Connection) -> None:
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            where = index.dialect_options["postgresql"]["where"]
            definition = scalar(conn, "select pg_get_indexdef(to_regclass(:name))", name=index.name)
            assert (" WHERE " in definition) == (where is not None), definition
            assert definition.startswith("CREATE UNIQUE" if index.unique else "CREATE INDEX"), definition


@pytest.mark.parametrize("table", sorted(CONTRACT_TABLES))
def test_a_valid_row_is_accepted(conn: Connection, refs: Refs, table: str) -> None:
    before = scalar(conn, f"select count(*) from {table}")
    insert(conn, table, **valid(table, refs))
    assert scalar(conn, f"select count(*) from {table}") == before + 1


def test_a_row_fits_in_every_table_at_once(conn: Connection) -> None:
    rows = seed_every_table(conn)
    assert set(rows) == CONTRACT_TABLES


CANDLE_RULES = [
    ("prices_positive", {"open": 0, "high": 0, "low": 0, "close": 0}),
    ("open_within_range", {"open": 111}),
    ("close_within_range", {"close": 94}),
    ("volume_non_negative", {"volume": -1}),
    ("vwap_positive", {"vwap": 0}),
]

REFUSED = [
    *[(f"ck_{t}_{rule}", t, bad) for t in ("ohlcv_daily", "ohlcv_intraday") for rule, bad in CANDLE_RULES],
    ("ck_ohlcv_daily_adj_close_positive", "ohlcv_daily", {"adj_close": 0}),
    ("ck_ohlcv_intraday_bar_interval", "ohlcv_intraday", {"bar_interval": "7m"}),
    ("ck_securities_instrument_type", "securities", {"instrument_type": "stock"}),
    ("ck_securities_isin_format", "securities", {"isin": "INE467B0102"}),
    ("ck_securities_isin_format", "securities", {"isin": "ine467b01029"}),
    ("uq_securities_isin", "securities", {"isin": "INE009A01021"}),
    ("ck_securities_currency_format", "securities", {"currency": "Rs"}),
    ("ck_index_constituents_valid_to_after_valid_from", "index_constituents", {"valid_to": "2023-12-31"}),
    ("ck_index_constituents_weight_range", "index_constituents", {"weight": 101}),
    ("ck_corporate_actions_action_type", "corporate_actions", {"action_type": "reverse_split"}),
    ("ck_corporate_actions_ratio_positive", "corporate_actions", {"ratio": 0}),
    ("ck_corporate_actions_split_bonus_need_ratio", "corporate_actions", {"ratio": None}),
    ("ck_corporate_actions_dividend_needs_amount", "corporate_actions", {"action_type": "dividend"}),
    ("ck_market_cap_history_market_cap_non_negative", "market_cap_history", {"market_cap": -1}),
    ("ck_calculated_metrics_rs_rating_range", "calculated_metrics", {"rs_rating": 101}),
    ("ck_calculated_metrics_rs_rating_range", "calculated_metrics", {"rs_rating": -1}),
    ("ck_calculated_metrics_stage_range", "calculated_metrics", {"stage": 0}),
    ("ck_calculated_metrics_stage_range", "calculated_metrics", {"stage": 5}),
    ("ck_deals_quantity_positive", "deals", {"quantity": 0}),
    ("ck_deals_price_positive", "deals", {"price": 0}),
    ("ck_deals_kind", "deals", {"kind": "cross"}),
    ("ck_deals_side", "deals", {"side": "short"}),
    ("ck_surveillance_measures_removed_after_effective", "surveillance_measures", {"removed_date": "2024-12-31"}),
    ("ck_analysis_results_confidence_range", "analysis_results", {"confidence": 1.01}),
    ("ck_analysis_results_confidence_range", "analysis_results", {"confidence": -0.1}),
    ("ck_analysis_results_recommendation", "analysis_results", {"recommendation": "accumulate"}),
    ("ck_watchlist_entries_trigger_type", "watchlist_entries", {"trigger_type": "news"}),
    ("ck_watchlist_entries_trigger_value_required", "watchlist_entries", {"trigger_type": "price_below"}),
    ("ck_watchlist_entries_status", "watchlist_entries", {"status": "paused"}),
    ("ck_watchlist_entries_triggered_has_time", "watchlist_entries", {"status": "triggered"}),
    ("ck_watchlist_entries_trigger_bar_object", "watchlist_entries", {"trigger_bar": [1, 2]}),
    ("ck_research_queue_status", "research_queue", {"status": "done"}),
    ("ck_reports_kind", "reports", {"kind": "daily"}),
    ("ck_reports_recommendations_array", "reports", {"recommendations": {}}),
    ("ck_reports_review_complete", "reports", {"reviewed_at": "2025-01-03 10:00+00"}),
    ("ck_agent_configs_weight_non_negative", "agent_configs", {"weight": -1}),
    ("ck_strategies_max_position_pct_range", "strategies", {"max_position_pct": 150}),
    ("ck_portfolio_positions_status", "portfolio_positions", {"status": "pending"}),
    ("ck_portfolio_positions_quantity_positive", "portfolio_positions", {"quantity": 0}),
    ("ck_portfolio_positions_closed_has_exit", "portfolio_positions", {"status": "closed"}),
    ("ck_portfolio_positions_exit_after_entry", "portfolio_positions", {"exit_date": "2024-12-31"}),
    ("ck_orders_quantity_positive", "orders", {"quantity": 0}),
    ("ck_orders_filled_quantity_range", "orders", {"filled_quantity": 11}),
    ("ck_orders_filled_quantity_range", "orders", {"filled_quantity": -1}),
    ("ck_orders_limit_price_required", "orders", {"order_type": "limit"}),
    ("ck_orders_limit_price_required", "orders", {"order_type": "stop_limit", "stop_price": 95}),
    ("ck_orders_stop_price_required", "orders", {"order_type": "stop"}),
    ("ck_orders_stop_price_required", "orders", {"order_type": "stop_limit", "limit_price": 95}),
    ("ck_orders_side", "orders", {"side": "short"}),
    ("ck_orders_order_type", "orders", {"order_type": "iceberg"}),
    ("ck_orders_time_in_force", "orders", {"time_in_force": "gtd"}),
    ("ck_orders_status", "orders", {"status": "done"}),
    ("fk_orders_security_id_securities", "orders", {"security_id": -1}),
    ("ck_trades_outcome", "trades", {"outcome": "draw"}),
    ("ck_trades_side", "trades", {"side": "hold"}),
    ("ck_trades_quantity_positive", "trades", {"quantity": 0}),
    ("ck_portfolio_snapshots_drawdown_pct_range", "portfolio_snapshots", {"drawdown_pct": 100.5}),
    ("ck_portfolio_snapshots_drawdown_pct_range", "portfolio_snapshots", {"drawdown_pct": -1}),
    ("ck_ingestion_logs_status", "ingestion_logs", {"status": "ok"}),
    ("ck_ingestion_logs_record_counts_non_negative", "ingestion_logs", {"records_failed": -1}),
    ("ck_system_logs_level", "system_logs", {"level": "fatal"}),
    ("ck_audit_log_action", "audit_log", {"action": "rename"}),
    ("ck_audit_log_undo_names_reversed", "audit_log", {"action": "undo"}),
    ("fk_audit_log_reverses_id_audit_log", "audit_log", {"reverses_id": -1}),
]


@pytest.mark.parametrize(("constraint", "table", "bad"), REFUSED, ids=[c for c, _, _ in REFUSED])
def test_a_row_breaking_a_rule_is_refused(
    conn: Connection, refs: Refs, constraint: str, table: str, bad: dict[str, Any]
) -> None:
    refuses_insert(conn, constraint, table, **valid(table, refs, **bad))


@pytest.mark.parametrize("table", ["ohlcv_daily", "ohlcv_intraday"])
def test_a_candle_with_high_below_low_is_refused(conn: Connection, refs: Refs, table: str) -> None:
    # Open and close within [low, high] already imply high >= low; set them aside to see this rule alone.
    conn.execute(text(f"alter table {table} drop constraint ck_{table}_open_within_range"))
    conn.execute(text(f"alter table {table} drop constraint ck_{table}_close_within_range"))
    refuses_insert(conn, f"ck_{table}_high_ge_low", table, **valid(table, refs, high=90))


def test_security_attributes_must_be_a_json_object(conn: Connection, refs: Refs) -> None:
    # Migration 0006's trigger explains bad attributes first; set it aside to see this table's own rule.
    conn.execute(text("alter table securities disable trigger securities_instrument_attributes"))
    refuses_insert(conn, "ck_securities_attributes_object", "securities", **valid("securities", refs, attributes=[]))


def test_an_index_candle_may_have_no_volume(conn: Connection, refs: Refs) -> None:
    row = insert(conn, "ohlcv_daily", **valid("ohlcv_daily", refs, security_id=refs.index, volume=None))
    assert row["volume"] is None


DUPLICATES = [
    ("uq_securities_exchange_symbol", "securities"),
    ("pk_industry_classifications", "industry_classifications"),
    ("uq_index_constituents_index_id_member_id_valid_from", "index_constituents"),
    ("uq_market_holidays_exchange_holiday_date", "market_holidays"),
    ("ohlcv_daily_default_pkey", "ohlcv_daily"),
    ("ohlcv_intraday_default_pkey", "ohlcv_intraday"),
    ("uq_corporate_actions_security_id_action_type_ex_date", "corporate_actions"),
    ("pk_market_cap_history", "market_cap_history"),
    ("pk_calculated_metrics", "calculated_metrics"),
    ("uq_surveillance_measures_security_id_measure_effective_date", "surveillance_measures"),
    ("uq_watchlists_live_name", "watchlists"),
    ("uq_watchlist_entries_live_security", "watchlist_entries"),
    ("uq_research_queue_open_security", "research_queue"),
    ("uq_reports_kind_report_date", "reports"),
    ("uq_agent_configs_agent_name", "agent_configs"),
    ("uq_strategies_name", "strategies"),
]


@pytest.mark.parametrize(("constraint", "table"), DUPLICATES, ids=[c for c, _ in DUPLICATES])
def test_a_duplicate_is_refused(conn: Connection, refs: Refs, constraint: str, table: str) -> None:
    # A candle's key is checked by the index of the partition that holds it (here the default one).
    insert(conn, table, **valid(table, refs))
    refuses_insert(conn, constraint, table, **valid(table, refs))


def test_a_triggered_entry_keeps_the_bar_that_crossed(conn: Connection, refs: Refs) -> None:
    bar = {"date": "2025-01-02", "open": 1640, "high": 1662, "low": 1635, "close": 1658, "value": 1650}
    triggered = valid(
        "watchlist_entries", refs, status="triggered", triggered_at="2025-01-02 10:00+00", trigger_bar=bar
    )
    assert insert(conn, "watchlist_entries", **triggered)["trigger_bar"] == bar


def test_the_same_symbol_may_be_listed_on_another_exchange(conn: Connection, refs: Refs) -> None:
    insert(conn, "securities", **valid("securities", refs))
    insert(conn, "securities", **valid("securities", refs, exchange="BSE"))


@pytest.mark.parametrize(
    ("table", "retire"),
    [
        ("watchlists", "deleted_at = now()"),
        ("watchlist_entries", "deleted_at = now()"),
        ("research_queue", "deleted_at = now()"),
        ("research_queue", "status = 'decided'"),
        ("research_queue", "status = 'rejected'"),
    ],
)
def test_a_retired_row_frees_its_unique_slot(conn: Connection, refs: Refs, table: str, retire: str) -> None:
    first = insert(conn, table, **valid(table, refs))
    conn.execute(text(f"update {table} set {retire} where id = :id"), {"id": first["id"]})
    insert(conn, table, **valid(table, refs))


def test_agent_rows_get_defaults_and_a_uuidv7_key(conn: Connection) -> None:
    row = insert(conn, "watchlists", name="Defaults")
    assert (row["version"], row["deleted_at"]) == (1, None)
    assert row["created_at"] == row["updated_at"] == scalar(conn, "select now()")
    assert (row["id"].version, row["id"].variant) == (7, uuid.RFC_4122)


def test_uuidv7_keys_sort_by_creation_time(conn: Connection) -> None:
    made = []
    for n in range(5):
        made.append(insert(conn, "signals", security_id=new_security(conn, f"S{n}"), signal_type="t", source="x"))
        conn.execute(text("select pg_sleep(0.002)"))
    assert sorted(made, key=lambda row: row["id"]) == made


def test_the_uuidv7_fallback_for_older_servers_is_rfc_9562(conn: Connection) -> None:
    conn.execute(text(migration_module("0001").uuidv7_function_sql("pg_temp.uuidv7_fallback")))
    ids = []
    for _ in range(5):
        ids.append(scalar(conn, "select pg_temp.uuidv7_fallback()"))
        conn.execute(text("select pg_sleep(0.002)"))
    assert sorted(ids) == ids
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    unix_ms = int(ids[-1].hex[:12], 16)
    assert abs(unix_ms - scalar(conn, "select (extract(epoch from clock_timestamp()) * 1000)::bigint")) < 5000
    assert scalar(conn, "select count(distinct pg_temp.uuidv7_fallback()) from generate_series(1, 1000)") == 1000


def daily_partition_counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("select tableoid::regclass::text, count(*) from ohlcv_daily group by 1"))
    return {str(row[0]): int(row[1]) for row in rows}


def test_new_partitions_take_their_rows_out_of_the_default_one(conn: Connection, refs: Refs) -> None:
    for day in ("2023-05-02", "2024-01-01", "2024-12-31", "2025-06-30"):
        insert(conn, "ohlcv_daily", **valid("ohlcv_daily", refs, trade_date=day))
    created = conn.execute(text("select * from ensure_ohlcv_partitions('ohlcv_daily', '2024-03-01', '2025-01-01')"))
    assert list(created.scalars()) == ["ohlcv_daily_p2024", "ohlcv_daily_p2025"]
    assert daily_partition_counts(conn) == {"ohlcv_daily_default": 1, "ohlcv_daily_p2024": 2, "ohlcv_daily_p2025": 1}


def test_ensuring_existing_partitions_creates_nothing(conn: Connection) -> None:
    conn.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', '2024-01-01', '2024-12-31')"))
    again = conn.execute(text("select * from ensure_ohlcv_partitions('ohlcv_daily', '2024-02-01', '2024-02-02')"))
    assert list(again.scalars()) == []


def test_intraday_partitions_are_utc_months_whatever_the_session_time_zone(conn: Connection, refs: Refs) -> None:
    conn.execute(text("set local time zone 'Asia/Kolkata'"))
    insert(conn, "ohlcv_intraday", **valid("ohlcv_intraday", refs, bar_start="2024-03-31 23:55+00"))
    created = conn.execute(text("select * from ensure_ohlcv_partitions('ohlcv_intraday', '2024-03-31', '2024-04-01')"))
    assert list(created.scalars()) == ["ohlcv_intraday_p2024_03", "ohlcv_intraday_p2024_04"]
    assert scalar(conn, "select tableoid::regclass::text from ohlcv_intraday") == "ohlcv_intraday_p2024_03"


def test_partitions_are_only_made_for_candle_tables(conn: Connection) -> None:
    with pytest.raises(DBAPIError, match="not a partitioned candle table"), conn.begin_nested():
        conn.execute(text("select ensure_ohlcv_partitions('securities', '2024-01-01', '2024-01-02')"))


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (
            "select security_id from calculated_metrics where trade_date = '2025-01-02' and stage = 2"
            " and rs_rating >= 80",
            "ix_calculated_metrics_trade_date_stage_rs_rating",
        ),
        (
            "select security_id from market_cap_history where trade_date = '2025-01-02'"
            " order by market_cap desc limit 10",
            "ix_market_cap_history_trade_date_market_cap",
        ),
        ("""select id from securities where attributes @> '{"underlying": "INFY"}'""", "ix_securities_attributes"),
    ],
)
def test_screens_can_use_their_index(conn: Connection, query: str, index: str) -> None:
    conn.execute(text("set local enable_seqscan = off"))
    plan = "\n".join(conn.execute(text(f"explain {query}")).scalars())
    assert index in plan


def test_deleting_a_security_with_research_is_refused(conn: Connection, refs: Refs) -> None:
    insert(conn, "signals", **valid("signals", refs))
    refused_by(conn, "fk_signals_security_id_securities", lambda: delete(conn, "securities", refs.security))


def test_deleting_a_security_takes_its_market_data_with_it(conn: Connection, refs: Refs) -> None:
    insert(conn, "ohlcv_daily", **valid("ohlcv_daily", refs))
    insert(conn, "calculated_metrics", **valid("calculated_metrics", refs))
    delete(conn, "securities", refs.security)
    assert (
        scalar(conn, "select count(*) from ohlcv_daily") + scalar(conn, "select count(*) from calculated_metrics") == 0
    )


def test_deleting_a_strategy_keeps_its_orders_and_drops_its_snapshots(conn: Connection, refs: Refs) -> None:
    order = insert(conn, "orders", **valid("orders", refs, strategy_id=refs.strategy))
    insert(conn, "portfolio_snapshots", **valid("portfolio_snapshots", refs, strategy_id=refs.strategy))
    delete(conn, "strategies", refs.strategy)
    assert scalar(conn, "select strategy_id from orders where id = :id", id=order["id"]) is None
    assert scalar(conn, "select count(*) from portfolio_snapshots") == 0


def test_deleting_an_order_deletes_its_bracket_legs(conn: Connection, refs: Refs) -> None:
    parent = insert(conn, "orders", **valid("orders", refs))
    insert(conn, "orders", **valid("orders", refs, parent_order_id=parent["id"], order_type="stop", stop_price=90))
    delete(conn, "orders", parent["id"])
    assert scalar(conn, "select count(*) from orders") == 0


def delete(conn: Connection, table: str, row_id: Any) -> None:
    conn.execute(text(f"delete from {table} where id = :id"), {"id": row_id})


def test_migrations_go_down_to_base_and_up_again_with_data_everywhere(fresh_db) -> None:  # type: ignore[no-untyped-def]
    with fresh_db.engine.begin() as connection:
        seed_every_table(connection)
        connection.execute(text("select ensure_ohlcv_partitions('ohlcv_daily', '2025-01-01', '2025-12-31')"))
    with fresh_db.engine.connect() as connection:
        command.downgrade(migrations.alembic_config(connection), "base")
        left = scalar(
            connection, "select count(*) from pg_class where relname = any(:names)", names=list(CONTRACT_TABLES)
        )
        fallback = scalar(connection, "select to_regprocedure('public.uuidv7()') is not null")
        command.upgrade(migrations.alembic_config(connection), "head")
        connection.commit()
    assert (left, fallback) == (0, False)
    with fresh_db.engine.connect() as connection:
        assert migrations.schema_state(connection).is_current
        seed_every_table(connection)
