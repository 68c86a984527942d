"""The end-of-day JSON API source of `workstation sync`: GET {base}/eod/{SYMBOL}.{EXCHANGE}?from=…&fmt=json."""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from store.errors import InvalidInput
from store.ingest.formats import PriceFormat
from store.ingest.sync_sources import Fetched, SourceFailed, SymbolUnavailable, SyncTarget, check_new_bars, eod_exchange

TOKEN_ENV = "WORKSTATION_EOD_API_TOKEN"
MASK = "***"
USER_AGENT = "research-workstation-sync"

# An EODHD-style answer is a JSON list of {"date", "open", "high", "low", "close", "adjusted_close", "volume"};
# it is checked as this "file" (line n = the n-th bar of the list), with the price importer's rules.
EOD_JSON = PriceFormat(
    "eod-json",
    ("date", "open", "high", "low", "close", "adjusted_close", "volume"),
    {"date": 0, "open": 1, "high": 2, "low": 3, "close": 4, "adj_close": 5, "volume": 6},
    ("%Y-%m-%d",),
)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Timeout of one request, retries after the first attempt, backoff (doubled each retry), requests per second.

    A 429's Retry-After is honoured up to `longest_wait` seconds; a longer one gives up at once.
    """

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    longest_wait: float = 120.0
    requests_per_second: float = 5.0

    def __post_init__(self) -> None:
        problems = {
            "timeout": "must be above 0 seconds" if not self.timeout > 0 else "",
            "retries": "must be 0 or more" if self.retries < 0 else "",
            "backoff": "must be 0 seconds or more" if self.backoff < 0 else "",
            "rate": "must be above 0 requests a second" if not self.requests_per_second > 0 else "",
        }
        wrong = {name: message for name, message in problems.items() if message}
        if wrong:
            raise InvalidInput("; ".join(f"{name} {message}" for name, message in wrong.items()), fields=wrong)


Sleep = Callable[[float], None]
Clock = Callable[[], float]


class RateLimit:
    """At most `per_second` request starts a second: each waits until 1/per_second after the one before."""

    def __init__(self, per_second: float, clock: Clock, sleep: Sleep) -> None:
        self._interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next_at: float | None = None

    def wait(self) -> None:
        now = self._clock()
        if self._next_at is not None and now < self._next_at:
            self._sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + self._interval


class HttpSource:
    """Daily bars from an end-of-day JSON API; the token goes in the `api_token` query parameter, never in output.

    401/403 stop the run (the token is refused); 404 reports that symbol and the run goes on; 429, 5xx,
    timeouts and connection errors are retried with exponential backoff (429 waits its Retry-After), and
    stop the run when the retries are spent.
    """

    kind = "http"

    def __init__(
        self,
        base_url: str,
        token: str,
        settings: HttpSettings | None = None,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidInput(f"{base_url!r} is not an http(s) URL", fields={"from_url": "e.g. https://eodhd.com/api"})
        if not token.strip():
            raise InvalidInput(f"the HTTP source needs an API token: set {TOKEN_ENV}", fields={TOKEN_ENV: "is empty"})
        self.base_url = base_url.strip().rstrip("/")
        self._token = token.strip()
        self.settings = settings or HttpSettings()
        self._sleep = sleep
        self._limit = RateLimit(self.settings.requests_per_second, clock, sleep)

    @classmethod
    def from_environment(
        cls, base_url: str, settings: HttpSettings | None = None, environ: Mapping[str, str] = os.environ
    ) -> HttpSource:
        return cls(base_url, environ.get(TOKEN_ENV, ""), settings)

    @property
    def description(self) -> str:
        return self.base_url

    def prepare(self, targets: Sequence[SyncTarget]) -> None:
        """Nothing to prepare: each security is asked for on its own."""

    def fetch(self, target: SyncTarget) -> Fetched:
        url = self.url_of(target)
        shown = self.masked(url)
        body = self._get(url, shown, target)
        return check_new_bars(_bars_text(body, shown), EOD_JSON, target, shown)

    def url_of(self, target: SyncTarget) -> str:
        exchange = eod_exchange(target)
        if exchange is None:
            raise SymbolUnavailable(
                f"exchange {target.exchange} has no end-of-day API code (store.ingest.sync_sources.EOD_EXCHANGES)"
            )
        query = {"fmt": "json", "api_token": self._token}
        if target.first_wanted_day is not None:
            query = {"from": target.first_wanted_day.isoformat(), **query}
        code = f"{urllib.parse.quote(target.symbol, safe='')}.{exchange}"
        return f"{self.base_url}/eod/{code}?{urllib.parse.urlencode(query)}"

    def masked(self, text: str) -> str:
        """`text` with the token (as written and as URL-encoded) replaced by ***."""
        for form in {self._token, urllib.parse.quote_plus(self._token), urllib.parse.quote(self._token, safe="")}:
            text = text.replace(form, MASK)
        return text

    def _get(self, url: str, shown: str, target: SyncTarget) -> bytes:
        """The body of a 200, after retries; raises SymbolUnavailable (404, other 4xx) or SourceFailed."""
        failure = ""
        for attempt in range(self.settings.retries + 1):
            self._limit.wait()
            wait = self.settings.backoff * 2**attempt
            try:
                request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
                with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                    body: bytes = response.read()
                    return body
            except urllib.error.HTTPError as exc:
                try:
                    failure, wait = self._judge(exc, shown, target, wait)
                finally:
                    exc.close()
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                failure = f"{shown} could not be fetched: {self.masked(_reason(exc))}"
            if attempt == self.settings.retries:
                break
            self._sleep(wait)
        tries = self.settings.retries + 1
        raise SourceFailed(f"{failure} ({tries} attempt{'s' if tries != 1 else ''}); the run stopped")

    def _judge(self, error: urllib.error.HTTPError, shown: str, target: SyncTarget, wait: float) -> tuple[str, float]:
        """What a non-200 answer means: raise for the final ones, else (what failed, seconds to wait)."""
        status = error.code
        if status in (401, 403):
            raise SourceFailed(
                f"{self.base_url} refused the API token (HTTP {status}): check {TOKEN_ENV}; the run stopped"
            )
        if status == 404:
            raise SymbolUnavailable(f"{shown} does not know {target.label} (HTTP 404)")
        if status == 429:
            asked = retry_after(error.headers.get("Retry-After"))
            if asked is not None and asked > self.settings.longest_wait:
                raise SourceFailed(
                    f"{self.base_url} is rate limiting (HTTP 429) and asks to wait {asked:.0f} s: try later"
                    " or lower --rate; the run stopped"
                )
            message = f"{self.base_url} kept rate limiting (HTTP 429): try later or lower --rate"
            return message, wait if asked is None else asked
        if status >= 500:
            return f"{shown} failed with HTTP {status} {error.reason}", wait
        excerpt = self.masked(error.read(300).decode("utf-8", errors="replace").strip())
        raise SymbolUnavailable(f"{shown} answered HTTP {status} {error.reason}: {excerpt}")


def retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (a number of seconds or an HTTP date), None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        return str(error.reason)
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


def _bars_text(body: bytes, shown: str) -> pl.DataFrame:
    """The JSON list as text columns c0… and `line` (the bar's place in the list), numbers kept as written."""
    try:
        items = json.loads(body, parse_float=str, parse_int=str)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SymbolUnavailable(f"{shown} did not answer JSON: {exc}") from exc
    if not isinstance(items, list):
        raise SymbolUnavailable(f"{shown} did not answer a JSON list of bars: {str(items)[:200]}")
    columns: dict[str, list[Any]] = {f"c{index}": [] for index in range(len(EOD_JSON.header))}
    for item in items:
        fields = item if isinstance(item, dict) else {}
        for index, name in enumerate(EOD_JSON.header):
            value = fields.get(name)
            columns[f"c{index}"].append(None if value is None else str(value))
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return frame.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64)).select("line", *columns)
