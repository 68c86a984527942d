"""Reference and market data: securities and their classification, candles (partitioned), actions, caps, metrics.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:01:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Marks the fallback as ours, so that downgrade never drops a uuidv7() someone else installed.
UUIDV7_FALLBACK_COMMENT = "UUIDv7 (RFC 9562) fallback for PostgreSQL < 18, created by research-workstation 0001"


def uuidv7_function_sql(name: str) -> str:
    """CREATE FUNCTION for a UUIDv7 generator called `name`, laid out as RFC 9562 asks.

    48 bits of Unix time in milliseconds, version 7, 12 bits of sub-millisecond time (so ids made in one
    session sort by creation to the microsecond), variant 10, and 62 random bits from gen_random_uuid().
    """
    return f"""
create function {name}() returns uuid
language sql volatile parallel safe
as $fn$
    select encode(
        set_byte(
            set_byte(
                overlay(uuid_send(gen_random_uuid()) placing substring(int8send(unix_ms) from 3) from 1 for 6),
                6, 112 | (sub_ms >> 8)),
            7, sub_ms & 255),
        'hex')::uuid
    from (
        select unix_us / 1000 as unix_ms, ((unix_us % 1000) * 4096 / 1000)::int as sub_ms
        from (select (extract(epoch from clock_timestamp()) * 1000000)::bigint as unix_us) as now_us
    ) as parts
$fn$"""


# PostgreSQL 18 has uuidv7() built in; older servers get the same function under the same name.
CREATE_UUIDV7_FALLBACK = f"""
do $do$
begin
    if current_setting('server_version_num')::int < 180000 and to_regprocedure('public.uuidv7()') is null then
        execute $ddl${uuidv7_function_sql("public.uuidv7")}$ddl$;
        execute $ddl$comment on function public.uuidv7() is '{UUIDV7_FALLBACK_COMMENT}'$ddl$;
    end if;
end
$do$
"""

DROP_UUIDV7_FALLBACK = f"""
do $do$
begin
    if obj_description(to_regprocedure('public.uuidv7()'), 'pg_proc') = '{UUIDV7_FALLBACK_COMMENT}' then
        drop function public.uuidv7();
    end if;
end
$do$
"""

# Loaders call this before they write a range of candles. Partitions are yearly for ohlcv_daily
# (ohlcv_daily_pYYYY) and monthly in UTC for ohlcv_intraday (ohlcv_intraday_pYYYY_MM). Rows of a new
# partition's range that already sit in the default partition are moved into it in the same transaction,
# because PostgreSQL refuses to create a partition whose rows the default partition holds.
ENSURE_OHLCV_PARTITIONS = """
create function ensure_ohlcv_partitions(table_name text, first_day date, last_day date)
returns setof text
language plpgsql
as $fn$
declare
    parent regclass;
    parent_schema text;
    key_column text;
    step interval;
    period_start date;
    period_end date;
    partition_name text;
    lower_bound text;
    upper_bound text;
begin
    if table_name = 'ohlcv_daily' then
        key_column := 'trade_date';
        step := interval '1 year';
        period_start := date_trunc('year', first_day::timestamp)::date;
    elsif table_name = 'ohlcv_intraday' then
        key_column := 'bar_start';
        step := interval '1 month';
        period_start := date_trunc('month', first_day::timestamp)::date;
    else
        raise exception 'ensure_ohlcv_partitions: % is not a partitioned candle table', table_name
            using errcode = 'invalid_parameter_value', hint = 'name ohlcv_daily or ohlcv_intraday';
    end if;
    if first_day is null or last_day is null or last_day < first_day then
        raise exception 'ensure_ohlcv_partitions: % to % is not a range of days', first_day, last_day
            using errcode = 'invalid_parameter_value';
    end if;
    parent := to_regclass(table_name);
    select n.nspname into parent_schema
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = parent;
    -- One caller per table at a time: a second one waits, then finds the partitions already made.
    perform pg_advisory_xact_lock(hashtext('ensure_ohlcv_partitions'), hashtext(table_name));
    while period_start <= last_day loop
        period_end := (period_start + step)::date;
        if table_name = 'ohlcv_daily' then
            partition_name := table_name || '_p' || to_char(period_start, 'YYYY');
            lower_bound := quote_literal(period_start::text);
            upper_bound := quote_literal(period_end::text);
        else
            partition_name := table_name || '_p' || to_char(period_start, 'YYYY_MM');
            -- Month bounds in UTC, whatever the session's time zone.
            lower_bound := quote_literal(period_start::text || ' 00:00:00+00');
            upper_bound := quote_literal(period_end::text || ' 00:00:00+00');
        end if;
        if to_regclass(format('%I.%I', parent_schema, partition_name)) is null then
            -- Writers wait (readers do not) until commit; taking this before the move avoids a lock upgrade race.
            execute format('lock table %s in share row exclusive mode', parent);
            execute format('create temp table ohlcv_rows_to_move (like %s) on commit drop', parent);
            execute format(
                'with moved as (delete from %I.%I where %I >= %s and %I < %s returning *)'
                ' insert into pg_temp.ohlcv_rows_to_move select * from moved',
                parent_schema, table_name || '_default', key_column, lower_bound, key_column, upper_bound);
            execute format('create table %I.%I partition of %s for values from (%s) to (%s)',
                           parent_schema, partition_name, parent, lower_bound, upper_bound);
            execute format('insert into %s select * from pg_temp.ohlcv_rows_to_move', parent);
            execute 'drop table pg_temp.ohlcv_rows_to_move';
            return next partition_name;
        end if;
        period_start := period_end;
    end loop;
end
$fn$
"""


def upgrade() -> None:
    op.execute(CREATE_UUIDV7_FALLBACK)
    op.create_table(
        "securities",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("exchange", sa.Text(), nullable=False),
        sa.Column("instrument_type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("isin", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("series", sa.Text(), nullable=True),
        sa.Column("listing_date", sa.Date(), nullable=True),
        sa.Column("face_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("paid_up_value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("market_lot", sa.BigInteger(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attributes", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("country ~ '^[A-Z]{2}$'", name=op.f("ck_securities_country_format")),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_securities_currency_format")),
        sa.CheckConstraint(
            "instrument_type in ('equity', 'etf', 'index', 'option', 'future', 'bond', 'fund', 'warrant', "
            "'currency', 'crypto', 'other')",
            name=op.f("ck_securities_instrument_type"),
        ),
        sa.CheckConstraint("isin ~ '^[A-Z]{2}[A-Z0-9]{9}[0-9]$'", name=op.f("ck_securities_isin_format")),
        sa.CheckConstraint("jsonb_typeof(attributes) = 'object'", name=op.f("ck_securities_attributes_object")),
        sa.CheckConstraint("face_value > 0", name=op.f("ck_securities_face_value_positive")),
        sa.CheckConstraint("market_lot > 0", name=op.f("ck_securities_market_lot_positive")),
        sa.CheckConstraint("paid_up_value > 0", name=op.f("ck_securities_paid_up_value_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_securities")),
        sa.UniqueConstraint("exchange", "symbol", name=op.f("uq_securities_exchange_symbol")),
        sa.UniqueConstraint("isin", name=op.f("uq_securities_isin")),
    )
    op.create_index(
        op.f("ix_securities_attributes"), "securities", ["attributes"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_securities_instrument_type"), "securities", ["instrument_type"], unique=False)
    op.create_index(op.f("ix_securities_symbol"), "securities", ["symbol"], unique=False)

    op.create_table(
        "industry_classifications",
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("macro", sa.Text(), nullable=True),
        sa.Column("sector", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("basic_industry", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_industry_classifications_security_id_securities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("security_id", name=op.f("pk_industry_classifications")),
    )
    op.create_index(
        op.f("ix_industry_classifications_industry"), "industry_classifications", ["industry"], unique=False
    )
    op.create_index(op.f("ix_industry_classifications_sector"), "industry_classifications", ["sector"], unique=False)

    op.create_table(
        "index_constituents",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("index_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("index_id <> member_id", name=op.f("ck_index_constituents_not_own_member")),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_index_constituents_valid_to_after_valid_from")),
        sa.CheckConstraint("weight >= 0 and weight <= 100", name=op.f("ck_index_constituents_weight_range")),
        sa.ForeignKeyConstraint(
            ["index_id"], ["securities.id"], name=op.f("fk_index_constituents_index_id_securities"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["securities.id"],
            name=op.f("fk_index_constituents_member_id_securities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_constituents")),
        sa.UniqueConstraint(
            "index_id", "member_id", "valid_from", name=op.f("uq_index_constituents_index_id_member_id_valid_from")
        ),
    )
    op.create_index(op.f("ix_index_constituents_member_id"), "index_constituents", ["member_id"], unique=False)

    op.create_table(
        "market_holidays",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("exchange", sa.Text(), nullable=False),
        sa.Column("holiday_date", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_holidays")),
        sa.UniqueConstraint("exchange", "holiday_date", name=op.f("uq_market_holidays_exchange_holiday_date")),
    )

    op.create_table(
        "ohlcv_daily",
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("open", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("high", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("low", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("close", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("adj_close", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.Column("vwap", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("prev_close", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("upper_circuit", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("lower_circuit", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("adj_close > 0", name=op.f("ck_ohlcv_daily_adj_close_positive")),
        sa.CheckConstraint("close between low and high", name=op.f("ck_ohlcv_daily_close_within_range")),
        sa.CheckConstraint("high >= low", name=op.f("ck_ohlcv_daily_high_ge_low")),
        sa.CheckConstraint("lower_circuit <= upper_circuit", name=op.f("ck_ohlcv_daily_circuit_range")),
        sa.CheckConstraint(
            "open > 0 and high > 0 and low > 0 and close > 0", name=op.f("ck_ohlcv_daily_prices_positive")
        ),
        sa.CheckConstraint("open between low and high", name=op.f("ck_ohlcv_daily_open_within_range")),
        sa.CheckConstraint("prev_close > 0", name=op.f("ck_ohlcv_daily_prev_close_positive")),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_ohlcv_daily_volume_non_negative")),
        sa.CheckConstraint("vwap > 0", name=op.f("ck_ohlcv_daily_vwap_positive")),
        sa.ForeignKeyConstraint(
            ["security_id"], ["securities.id"], name=op.f("fk_ohlcv_daily_security_id_securities"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("security_id", "trade_date", name=op.f("pk_ohlcv_daily")),
        postgresql_partition_by="RANGE (trade_date)",
    )
    op.create_index(op.f("ix_ohlcv_daily_trade_date"), "ohlcv_daily", ["trade_date"], unique=False)

    op.create_table(
        "ohlcv_intraday",
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("bar_interval", sa.Text(), nullable=False),
        sa.Column("bar_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("high", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("low", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("close", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.Column("vwap", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "bar_interval in ('1m', '2m', '3m', '5m', '10m', '15m', '30m', '1h', '2h', '4h')",
            name=op.f("ck_ohlcv_intraday_bar_interval"),
        ),
        sa.CheckConstraint("close between low and high", name=op.f("ck_ohlcv_intraday_close_within_range")),
        sa.CheckConstraint("high >= low", name=op.f("ck_ohlcv_intraday_high_ge_low")),
        sa.CheckConstraint(
            "open > 0 and high > 0 and low > 0 and close > 0", name=op.f("ck_ohlcv_intraday_prices_positive")
        ),
        sa.CheckConstraint("open between low and high", name=op.f("ck_ohlcv_intraday_open_within_range")),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_ohlcv_intraday_volume_non_negative")),
        sa.CheckConstraint("vwap > 0", name=op.f("ck_ohlcv_intraday_vwap_positive")),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_ohlcv_intraday_security_id_securities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("security_id", "bar_interval", "bar_start", name=op.f("pk_ohlcv_intraday")),
        postgresql_partition_by="RANGE (bar_start)",
    )

    op.create_table(
        "corporate_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("action_type", sa.Text(), nullable=False),
        sa.Column("ex_date", sa.Date(), nullable=False),
        sa.Column("ratio", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("record_date", sa.Date(), nullable=True),
        sa.Column("pay_date", sa.Date(), nullable=True),
        sa.Column("details", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "action_type <> 'dividend' or amount is not null", name=op.f("ck_corporate_actions_dividend_needs_amount")
        ),
        sa.CheckConstraint(
            "action_type in ('split', 'bonus', 'dividend', 'rights', 'buyback', 'merger', 'demerger', 'spinoff', "
            "'name_change', 'symbol_change', 'other')",
            name=op.f("ck_corporate_actions_action_type"),
        ),
        sa.CheckConstraint(
            "action_type not in ('split', 'bonus') or ratio is not null",
            name=op.f("ck_corporate_actions_split_bonus_need_ratio"),
        ),
        sa.CheckConstraint("jsonb_typeof(details) = 'object'", name=op.f("ck_corporate_actions_details_object")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_corporate_actions_amount_non_negative")),
        sa.CheckConstraint("ratio > 0", name=op.f("ck_corporate_actions_ratio_positive")),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_corporate_actions_security_id_securities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corporate_actions")),
        sa.UniqueConstraint(
            "security_id", "action_type", "ex_date", name=op.f("uq_corporate_actions_security_id_action_type_ex_date")
        ),
    )
    op.create_index(op.f("ix_corporate_actions_ex_date"), "corporate_actions", ["ex_date"], unique=False)

    op.create_table(
        "market_cap_history",
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("market_cap", sa.Numeric(precision=24, scale=2), nullable=False),
        sa.Column("close_price", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("issue_size", sa.BigInteger(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("close_price > 0", name=op.f("ck_market_cap_history_close_price_positive")),
        sa.CheckConstraint("issue_size >= 0", name=op.f("ck_market_cap_history_issue_size_non_negative")),
        sa.CheckConstraint("market_cap >= 0", name=op.f("ck_market_cap_history_market_cap_non_negative")),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_market_cap_history_security_id_securities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("security_id", "trade_date", name=op.f("pk_market_cap_history")),
    )
    op.create_index(
        "ix_market_cap_history_trade_date_market_cap",
        "market_cap_history",
        ["trade_date", sa.literal_column("market_cap DESC")],
        unique=False,
    )

    op.create_table(
        "calculated_metrics",
        sa.Column("security_id", sa.BigInteger(), nullable=False),
        sa.Column("trade_date", sa.Date(), nullable=False),
        sa.Column("ma_10", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("ma_20", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("ma_50", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("ma_200", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("atr_14", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("atr_pct", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("rsi_14", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("vol_20d_avg", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("vol_vs_avg_pct", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("high_52w", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("low_52w", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("rs_rating", sa.SmallInteger(), nullable=True),
        sa.Column("vars", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("stage", sa.SmallInteger(), nullable=True),
        sa.Column("vcp_score", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("rs_rating between 0 and 100", name=op.f("ck_calculated_metrics_rs_rating_range")),
        sa.CheckConstraint("rsi_14 between 0 and 100", name=op.f("ck_calculated_metrics_rsi_14_range")),
        sa.CheckConstraint("stage between 1 and 4", name=op.f("ck_calculated_metrics_stage_range")),
        sa.ForeignKeyConstraint(
            ["security_id"],
            ["securities.id"],
            name=op.f("fk_calculated_metrics_security_id_securities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("security_id", "trade_date", name=op.f("pk_calculated_metrics")),
    )
    op.create_index(
        op.f("ix_calculated_metrics_trade_date_stage_rs_rating"),
        "calculated_metrics",
        ["trade_date", "stage", "rs_rating"],
        unique=False,
    )

    op.execute("create table ohlcv_daily_default partition of ohlcv_daily default")
    op.execute("create table ohlcv_intraday_default partition of ohlcv_intraday default")
    op.execute(ENSURE_OHLCV_PARTITIONS)


def downgrade() -> None:
    op.execute("drop function ensure_ohlcv_partitions(text, date, date)")
    op.drop_table("calculated_metrics")
    op.drop_table("market_cap_history")
    op.drop_table("corporate_actions")
    op.drop_table("ohlcv_intraday")
    op.drop_table("ohlcv_daily")
    op.drop_table("market_holidays")
    op.drop_table("index_constituents")
    op.drop_table("industry_classifications")
    op.drop_table("securities")
    op.execute(DROP_UUIDV7_FALLBACK)
