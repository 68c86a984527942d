"""Hypothesis strategies for instrument attributes, shared by the Python and the database tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

REQUIRED = {
    "option": ("underlying", "strike", "expiration", "option_type"),
    "future": ("underlying", "contract_month", "multiplier"),
}
BLANK = " \t\n\r\f\v"

storable_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    json_scalars | storable_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(storable_text, inner, max_size=3),
    max_leaves=6,
)
non_strings = (
    json_scalars | st.lists(st.integers(), max_size=2) | st.dictionaries(storable_text, st.integers(), max_size=2)
)
positive_numbers = st.integers(min_value=1) | st.floats(min_value=0, exclude_min=True, allow_infinity=False)

VALID_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "underlying": storable_text.filter(lambda value: value.strip(BLANK) != ""),
    "strike": positive_numbers,
    "expiration": st.dates().map(dt.date.isoformat),
    "option_type": st.sampled_from(["call", "put"]),
    "contract_month": st.builds("{:04d}-{:02d}".format, st.integers(1, 9999), st.integers(1, 12)),
    "multiplier": positive_numbers,
}


def _is_real_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


impossible_dates = (
    st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
    .filter(lambda ymd: not _is_real_date(*ymd))
    .map(lambda ymd: "{:04d}-{:02d}-{:02d}".format(*ymd))
)
misformatted_dates = st.builds(
    dt.date.strftime,
    st.dates(min_value=dt.date(1000, 1, 1)),
    st.sampled_from(["%Y/%m/%d", "%d-%m-%Y", "%Y%m%d", "%Y-%m-%dT00:00:00", " %Y-%m-%d", "%Y-%m-%d\n", "%Y-%m"]),
)
bad_months = st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.sampled_from([0, *range(13, 100)])) | (
    st.builds(
        lambda year, month, form: form.format(year, month),
        st.integers(0, 9999),
        st.integers(1, 12),
        st.sampled_from(["0000-{1:02d}", "{0:04d}-{1:02d}-01", "{1:02d}-{0:04d}", "{0:04d}/{1:02d}", "{0:04d}-{1}x"]),
    )
)
not_positive_numbers = (
    st.integers(max_value=0)
    | st.floats(max_value=0, allow_nan=False, allow_infinity=False)
    | positive_numbers.map(str)
    | st.booleans()
    | st.none()
    | st.lists(positive_numbers, min_size=1, max_size=2)
)
BAD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "underlying": st.text(BLANK, max_size=4) | non_strings,
    "strike": not_positive_numbers,
    "expiration": impossible_dates | misformatted_dates | non_strings,
    "option_type": storable_text.filter(lambda value: value not in ("call", "put")) | non_strings,
    "contract_month": bad_months | non_strings,
    "multiplier": not_positive_numbers,
}


@st.composite
def complete_attributes(draw: st.DrawFn, instrument_type: str) -> dict[str, Any]:
    """Every required key with a valid value, plus a few unrelated keys."""
    required = REQUIRED[instrument_type]
    attributes: dict[str, Any] = draw(
        st.dictionaries(storable_text.filter(lambda key: key not in required), json_values, max_size=3)
    )
    attributes.update({key: draw(VALID_VALUES[key]) for key in required})
    return attributes


def option_or_future() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(REQUIRED))
