"""Facts about the database itself: server, schema revision, rows per table."""

from __future__ import annotations

from sqlalchemy import text

from store.migrations import schema_state
from store.records import DatabaseOverview, TableCount
from store.repositories.base import Repository

# Above this many estimated rows a count(*) would cost more than the screen is worth.
EXACT_COUNT_LIMIT = 200_000

_TABLES = text(
    """
    select c.relname,
           (select coalesce(sum(greatest(p.reltuples, 0)), 0) from pg_partition_tree(c.oid) t
            join pg_class p on p.oid = t.relid where t.isleaf)::bigint as estimate,
           (select coalesce(sum(pg_total_relation_size(t.relid)), 0) from pg_partition_tree(c.oid) t)::bigint
               as size_bytes,
           (select count(*) from pg_partition_tree(c.oid) t where t.level = 1)::int as partitions
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema()
      and c.relkind in ('r', 'p')
      and not c.relispartition
      and c.relname <> 'alembic_version'
    order by c.relname
    """
)


class CatalogRepository(Repository):
    """Reads pg_catalog and alembic_version; writes nothing."""

    def overview(self) -> DatabaseOverview:
        server_version, database, user = self._session.execute(
            text("select current_setting('server_version'), current_database(), current_user")
        ).one()
        state = schema_state(self._session.connection())
        return DatabaseOverview(
            server_version=server_version,
            database=database,
            user=user,
            revision=state.current_label,
            expected_revision=state.expected_label,
            tables=self.table_counts(),
        )

    def table_counts(self) -> tuple[TableCount, ...]:
        counts = []
        for name, estimate, size_bytes, partitions in self._session.execute(_TABLES).all():
            exact = estimate < EXACT_COUNT_LIMIT
            rows = estimate
            if exact:
                quoted = self._session.connection().dialect.identifier_preparer.quote(name)
                rows = self._session.execute(text(f"select count(*) from {quoted}")).scalar_one()
            counts.append(
                TableCount(table=name, rows=int(rows), exact=exact, size_bytes=size_bytes, partitions=partitions)
            )
        return tuple(counts)
