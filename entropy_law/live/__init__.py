"""Forecasting while a run trains: incremental log readers, live forecasts, verdicts, stop rules."""
