"""Moved: the one metrics table is `vmbench.metrics.table`. Thin re-export for old imports."""

from vmbench.metrics.table import Metric, headline as headline_metric, higher_is_better, lookup as metric_unit

MetricUnit = Metric

__all__ = ["Metric", "MetricUnit", "metric_unit", "higher_is_better", "headline_metric"]
