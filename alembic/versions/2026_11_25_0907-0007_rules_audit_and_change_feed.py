"""Rules kept by triggers: updated_at, version bumps, the audit trail, an append-only audit_log, the change feed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:07:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Research, configuration and trading tables: every change is audited and announced.
WATCHED_TABLES = (
    "signals",
    "analysis_results",
    "watchlists",
    "watchlist_entries",
    "research_queue",
    "reports",
    "agent_configs",
    "strategies",
    "portfolio_positions",
    "orders",
    "trades",
    "portfolio_snapshots",
)
CHANGE_CHANNEL = "workstation_changes"

ROW_RULE_FUNCTIONS = """
create function set_updated_at() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end $$;

create function bump_version() returns trigger language plpgsql as $$
begin
    new.version := old.version + 1;
    return new;
end $$;

-- Later migrations call this for each table they create, so raw-SQL writers get the same rules.
create function attach_row_rules(target regclass) returns void language plpgsql as $$
declare
    table_name text := (select relname from pg_class where oid = target);
begin
    if exists (select 1 from pg_attribute where attrelid = target and attname = 'updated_at' and not attisdropped) then
        execute format('create trigger trg_%s_updated_at before update on %s'
                       ' for each row execute function set_updated_at()', table_name, target);
    end if;
    if exists (select 1 from pg_attribute where attrelid = target and attname = 'version' and not attisdropped) then
        execute format('create trigger trg_%s_version before update on %s'
                       ' for each row execute function bump_version()', table_name, target);
    end if;
end $$;

create function detach_row_rules(target regclass) returns void language plpgsql as $$
declare
    table_name text := (select relname from pg_class where oid = target);
begin
    execute format('drop trigger if exists trg_%s_updated_at on %s', table_name, target);
    execute format('drop trigger if exists trg_%s_version on %s', table_name, target);
end $$;
"""

AUDIT_FUNCTIONS = """
create function audit_row_change() returns trigger language plpgsql as $$
declare
    before_row jsonb;
    after_row jsonb;
    row_action text := lower(tg_op);
    reverses bigint := nullif(current_setting('app.undo_of', true), '')::bigint;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        before_row := to_jsonb(old);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        after_row := to_jsonb(new);
    end if;
    if tg_op = 'UPDATE' then
        -- A write that only touched the bookkeeping columns is not a change anyone made.
        if before_row - 'updated_at' - 'version' = after_row - 'updated_at' - 'version' then
            return null;
        end if;
        if before_row ? 'deleted_at' and before_row->'deleted_at' = 'null' and after_row->'deleted_at' <> 'null' then
            row_action := 'soft_delete';
        elsif before_row ? 'deleted_at' and before_row->'deleted_at' <> 'null' and after_row->'deleted_at' = 'null' then
            row_action := 'restore';
        end if;
    end if;
    if reverses is not null then
        row_action := 'undo';
    end if;
    insert into audit_log (actor, action, entity_type, entity_id, before, after, reason,
                           transaction_id, application_name, reverses_id)
    values (coalesce(nullif(current_setting('app.actor', true), ''), session_user::text),
            row_action,
            tg_table_name,
            coalesce(after_row, before_row)->>'id',
            before_row,
            after_row,
            nullif(current_setting('app.reason', true), ''),
            txid_current(),
            nullif(current_setting('application_name', true), ''),
            reverses);
    return null;
end $$;

create function refuse_audit_log_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % is not allowed', tg_op
        using errcode = 'restrict_violation', hint = 'correct a change with a new, compensating change';
end $$;
"""

FEED_FUNCTIONS = f"""
create function notify_row_change() returns trigger language plpgsql as $$
declare
    row_id text;
begin
    if tg_op = 'DELETE' then
        row_id := old.id::text;
    else
        row_id := new.id::text;
    end if;
    perform pg_notify('{CHANGE_CHANNEL}',
                      json_build_object('table', tg_table_name, 'op', lower(tg_op), 'id', row_id)::text);
    return null;
end $$;

-- Loaders call this once after a price load, instead of one notice per bar.
create function notify_price_load(source text, first_day date, last_day date, row_count bigint)
returns void language sql as $$
    select pg_notify('{CHANGE_CHANNEL}',
                     json_build_object('table', 'ohlcv_daily', 'op', 'load', 'id', null, 'source', source,
                                       'first_day', first_day, 'last_day', last_day, 'rows', row_count)::text);
$$;
"""

TABLES_WITH_ROW_RULES = """
select c.oid::regclass::text from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
  and exists (select 1 from pg_attribute a where a.attrelid = c.oid
              and a.attname in ('updated_at', 'version') and not a.attisdropped)
"""


def upgrade() -> None:
    op.execute(ROW_RULE_FUNCTIONS)
    op.execute(f"select attach_row_rules(t::regclass) from ({TABLES_WITH_ROW_RULES}) as tables(t)")
    op.execute(AUDIT_FUNCTIONS)
    op.execute(
        "create trigger trg_audit_log_append_only before update or delete on audit_log"
        " for each row execute function refuse_audit_log_change()"
    )
    op.execute(
        "create trigger trg_audit_log_no_truncate before truncate on audit_log"
        " for each statement execute function refuse_audit_log_change()"
    )
    op.execute(FEED_FUNCTIONS)
    for table in WATCHED_TABLES:
        op.execute(
            f"create trigger trg_{table}_audit after insert or update or delete on {table}"
            " for each row execute function audit_row_change()"
        )
        op.execute(
            f"create trigger trg_{table}_notify after insert or update or delete on {table}"
            " for each row execute function notify_row_change()"
        )


def downgrade() -> None:
    for table in WATCHED_TABLES:
        op.execute(f"drop trigger trg_{table}_notify on {table}")
        op.execute(f"drop trigger trg_{table}_audit on {table}")
    op.execute("drop function notify_price_load(text, date, date, bigint)")
    op.execute("drop function notify_row_change()")
    op.execute("drop trigger trg_audit_log_no_truncate on audit_log")
    op.execute("drop trigger trg_audit_log_append_only on audit_log")
    op.execute("drop function refuse_audit_log_change()")
    op.execute("drop function audit_row_change()")
    op.execute(f"select detach_row_rules(t::regclass) from ({TABLES_WITH_ROW_RULES}) as tables(t)")
    op.execute("drop function detach_row_rules(regclass)")
    op.execute("drop function attach_row_rules(regclass)")
    op.execute("drop function bump_version()")
    op.execute("drop function set_updated_at()")
