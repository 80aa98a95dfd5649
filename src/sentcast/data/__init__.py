"""Data readers: market prices (Yahoo CSV / yfinance), tweets, text corpora, synthetic data."""
