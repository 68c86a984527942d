"""Views: market_overview (materialized, refreshed after loads), active_strategies, recent_performance.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:08:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per security. Every lookup is a range scan of the (security_id, trade_date) key, so the
# cost grows with securities x one year of bars, not with the whole history.
MARKET_OVERVIEW = """
create materialized view market_overview as
select s.id as security_id,
       s.symbol,
       s.exchange,
       s.name,
       s.instrument_type,
       s.is_active,
       ic.sector,
       ic.industry,
       last_bar.trade_date,
       last_bar.close,
       prev_bar.close as prev_close,
       round((last_bar.close / prev_bar.close - 1) * 100, 4) as change_pct,
       last_bar.volume,
       avg_volume.vol_20d_avg,
       round(last_bar.volume / nullif(avg_volume.vol_20d_avg, 0) * 100, 2) as volume_vs_avg_pct,
       year_range.high_52w,
       year_range.low_52w,
       round((last_bar.close / year_range.high_52w - 1) * 100, 4) as from_high_52w_pct,
       round((last_bar.close / year_range.low_52w - 1) * 100, 4) as from_low_52w_pct,
       metrics.rs_rating,
       metrics.stage,
       metrics.trade_date as metrics_date
from securities s
left join industry_classifications ic on ic.security_id = s.id
left join lateral (
    select d.trade_date, d.close, d.volume from ohlcv_daily d
    where d.security_id = s.id order by d.trade_date desc limit 1
) last_bar on true
left join lateral (
    select d.close from ohlcv_daily d
    where d.security_id = s.id and d.trade_date < last_bar.trade_date order by d.trade_date desc limit 1
) prev_bar on true
left join lateral (
    -- the 20 sessions before the latest, so a spike today is compared with what came before it
    select avg(recent.volume)::numeric(20, 2) as vol_20d_avg from (
        select d.volume from ohlcv_daily d
        where d.security_id = s.id and d.trade_date < last_bar.trade_date
        order by d.trade_date desc limit 20
    ) recent
) avg_volume on true
left join lateral (
    select max(d.high) as high_52w, min(d.low) as low_52w from ohlcv_daily d
    where d.security_id = s.id and d.trade_date > last_bar.trade_date - 365 and d.trade_date <= last_bar.trade_date
) year_range on true
left join lateral (
    select m.trade_date, m.rs_rating, m.stage from calculated_metrics m
    where m.security_id = s.id order by m.trade_date desc limit 1
) metrics on true
"""

ACTIVE_STRATEGIES = """
create view active_strategies as
select st.*,
       (select count(*) from portfolio_positions p
        where p.strategy_id = st.id and p.status = 'open' and p.deleted_at is null) as open_positions,
       (select count(*) from orders o
        where o.strategy_id = st.id and o.status in ('pending', 'open', 'partially_filled')) as working_orders
from strategies st
where st.is_active
"""

RECENT_PERFORMANCE = """
create view recent_performance as
select st.id as strategy_id,
       st.name,
       count(t.id) as trades,
       count(t.id) filter (where t.outcome = 'win') as wins,
       count(t.id) filter (where t.outcome = 'loss') as losses,
       round(count(t.id) filter (where t.outcome = 'win')::numeric / nullif(count(t.id), 0), 4) as win_rate,
       coalesce(sum(t.realized_pnl), 0) as realized_pnl,
       coalesce(sum(t.fees), 0) as fees
from strategies st
left join trades t on t.strategy_id = st.id and t.executed_at >= now() - interval '30 days'
group by st.id, st.name
"""

REFRESH_FUNCTION = """
-- CONCURRENTLY keeps the view readable while it refreshes; it needs the unique index below.
create function refresh_market_overview() returns void language plpgsql as $$
begin
    refresh materialized view concurrently market_overview;
end $$;
"""


def upgrade() -> None:
    op.execute(MARKET_OVERVIEW)
    op.execute("create unique index uq_market_overview_security_id on market_overview (security_id)")
    op.execute("create index ix_market_overview_symbol on market_overview (symbol)")
    op.execute(REFRESH_FUNCTION)
    op.execute(ACTIVE_STRATEGIES)
    op.execute(RECENT_PERFORMANCE)


def downgrade() -> None:
    op.execute("drop view recent_performance")
    op.execute("drop view active_strategies")
    op.execute("drop function refresh_market_overview()")
    op.execute("drop materialized view market_overview")
