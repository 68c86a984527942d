"""The change feed names who committed each change (the app.actor of the transaction, else the database user).

Screens mark the rows another writer changed with "changed by …": the notice has to say who.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "workstation_changes"  # store.changes.CHANGE_CHANNEL, as 0007 created the feed
ACTOR = "coalesce(nullif(current_setting('app.actor', true), ''), session_user::text)"  # as audit_log.actor


def _functions(actor: str | None) -> str:
    named = f", 'actor', {actor}" if actor else ""
    return f"""
create or replace function notify_row_change() returns trigger language plpgsql as $$
declare
    row_id text;
begin
    if tg_op = 'DELETE' then
        row_id := old.id::text;
    else
        row_id := new.id::text;
    end if;
    perform pg_notify('{CHANNEL}',
                      json_build_object('table', tg_table_name, 'op', lower(tg_op), 'id', row_id{named})::text);
    return null;
end $$;

create or replace function notify_price_load(source text, first_day date, last_day date, row_count bigint)
returns void language sql as $$
    select pg_notify('{CHANNEL}',
                     json_build_object('table', 'ohlcv_daily', 'op', 'load', 'id', null, 'source', source,
                                       'first_day', first_day, 'last_day', last_day, 'rows', row_count{named})::text);
$$;
"""


def upgrade() -> None:
    op.execute(_functions(ACTOR))


def downgrade() -> None:
    op.execute(_functions(None))
