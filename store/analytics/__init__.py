"""Analytics on the stored market: adjusted prices, metrics, watchlist alerts and the morning report (Polars)."""
