"""Instrument metadata completeness: options and futures must carry their attributes (CHECK plus a naming trigger).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:06:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The wording matches store/instruments.py, so Python and raw-SQL writers see the same messages.
FUNCTIONS = r"""
create function instrument_attribute_value_text(value jsonb) returns text
language sql immutable parallel safe strict as $$
    select case when length(value::text) > 60 then left(value::text, 57) || '...' else value::text end
$$;

-- Each test is its own statement: AND/CASE do not promise evaluation order, and make_date raises on bad parts.
create function instrument_attribute_is_date(value text) returns boolean
language plpgsql immutable parallel safe strict as $$
declare
    year_part int;
    month_part int;
    day_part int;
begin
    if value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
        return false;
    end if;
    year_part := left(value, 4)::int;
    month_part := substr(value, 6, 2)::int;
    day_part := substr(value, 9, 2)::int;
    if year_part < 1 or month_part not between 1 and 12 or day_part < 1 then
        return false;
    end if;
    return day_part <= extract(day from make_date(year_part, month_part, 1) + interval '1 month - 1 day');
end
$$;

create function instrument_attribute_value_problem(attributes jsonb, key text, rule text, required_for text)
returns text
language plpgsql immutable parallel safe as $$
declare
    value jsonb := attributes -> key;
    string text;
    ok boolean;
begin
    if value is null then
        return key || ' is required for ' || required_for;
    end if;
    if jsonb_typeof(value) = 'string' then
        string := value #>> '{}';
    end if;
    if rule = 'non_blank_string' then
        ok := btrim(string, E' \t\n\r\f' || chr(11)) <> '';
    elsif rule = 'positive_number' then
        if jsonb_typeof(value) = 'number' then
            ok := value::numeric > 0;
        end if;
    elsif rule = 'call_or_put' then
        ok := string in ('call', 'put');
    elsif rule = 'year_month' then
        ok := string ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and string !~ '^0000';
    elsif rule = 'date' then
        ok := instrument_attribute_is_date(string);
    else
        raise exception 'unknown instrument attribute rule %', rule;
    end if;
    if coalesce(ok, false) then
        return null;
    end if;
    return key || ' must be ' || case rule
        when 'non_blank_string' then 'a non-blank string'
        when 'positive_number' then 'a number greater than 0'
        when 'call_or_put' then '"call" or "put"'
        when 'year_month' then 'a month as a "YYYY-MM" string'
        when 'date' then 'a real date as a "YYYY-MM-DD" string'
    end || ', got ' || instrument_attribute_value_text(value);
end
$$;

-- NULL when complete, else every problem, '; '-separated, each naming its key and the value found.
create function instrument_attribute_problem(instrument_type text, attributes jsonb) returns text
language plpgsql immutable parallel safe as $$
declare
    problems text[];
begin
    if attributes is null then
        return null;
    end if;
    if jsonb_typeof(attributes) <> 'object' then
        return 'attributes must be a JSON object, got ' || instrument_attribute_value_text(attributes);
    end if;
    if instrument_type = 'option' then
        problems := array[
            instrument_attribute_value_problem(attributes, 'underlying', 'non_blank_string', 'an option'),
            instrument_attribute_value_problem(attributes, 'strike', 'positive_number', 'an option'),
            instrument_attribute_value_problem(attributes, 'expiration', 'date', 'an option'),
            instrument_attribute_value_problem(attributes, 'option_type', 'call_or_put', 'an option')];
    elsif instrument_type = 'future' then
        problems := array[
            instrument_attribute_value_problem(attributes, 'underlying', 'non_blank_string', 'a future'),
            instrument_attribute_value_problem(attributes, 'contract_month', 'year_month', 'a future'),
            instrument_attribute_value_problem(attributes, 'multiplier', 'positive_number', 'a future')];
    end if;
    return nullif(array_to_string(problems, '; '), '');
end
$$;

-- A CHECK violation only names the constraint; this says which key is wrong, under the same constraint name.
create function securities_check_instrument_attributes() returns trigger
language plpgsql as $$
declare
    problem text := instrument_attribute_problem(new.instrument_type, new.attributes);
begin
    if problem is not null then
        raise exception using
            errcode = 'check_violation',
            constraint = 'ck_securities_instrument_attributes',
            table = tg_table_name,
            schema = tg_table_schema,
            column = 'attributes',
            message = format('invalid %s attributes for %s:%s: %s',
                             new.instrument_type, new.exchange, new.symbol, problem),
            hint = 'an option needs underlying, strike (> 0), expiration (YYYY-MM-DD) and option_type (call|put); '
                'a future needs underlying, contract_month (YYYY-MM) and multiplier (> 0)';
    end if;
    return new;
end
$$;
"""

# Rows written before this rule must be fixed first; say which ones instead of a bare constraint failure.
REFUSE_INCOMPLETE_ROWS = r"""
do $$
declare
    incomplete text;
begin
    select string_agg(format('%s:%s (%s): %s', exchange, symbol, instrument_type, problem), E'\n')
      into incomplete
      from (select exchange, symbol, instrument_type, problem
              from securities,
                   lateral instrument_attribute_problem(instrument_type, attributes) as problem
             where problem is not null
             order by id
             limit 20) as first_incomplete;
    if incomplete is not null then
        raise exception using
            errcode = 'check_violation',
            constraint = 'ck_securities_instrument_attributes',
            message = 'securities already holds options or futures with incomplete attributes',
            detail = incomplete,
            hint = 'complete their attributes (or correct their instrument_type), then upgrade again';
    end if;
end
$$;
"""

DROP_FUNCTIONS = """
drop function securities_check_instrument_attributes();
drop function instrument_attribute_problem(text, jsonb);
drop function instrument_attribute_value_problem(jsonb, text, text, text);
drop function instrument_attribute_is_date(text);
drop function instrument_attribute_value_text(jsonb);
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute(REFUSE_INCOMPLETE_ROWS)
    op.execute(
        "alter table securities add constraint ck_securities_instrument_attributes "
        "check (instrument_attribute_problem(instrument_type, attributes) IS NULL)"
    )
    op.execute(
        "create trigger securities_instrument_attributes before insert or update on securities "
        "for each row execute function securities_check_instrument_attributes()"
    )


def downgrade() -> None:
    op.execute("drop trigger securities_instrument_attributes on securities")
    op.execute("alter table securities drop constraint ck_securities_instrument_attributes")
    op.execute(DROP_FUNCTIONS)
