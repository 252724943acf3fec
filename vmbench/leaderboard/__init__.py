"""Leaderboards, plots, CI quality gates and history for vmbench result files."""

from vmbench.provenance import make_run_record, write_run_record
from vmbench.leaderboard.results import RunResult, load_result, load_results

__all__ = ["make_run_record", "write_run_record", "RunResult", "load_result", "load_results"]
