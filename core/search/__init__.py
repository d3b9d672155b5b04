"""Hyperparameter search: Optuna chooses the trials (grid, random, Bayesian TPE; median or Hyperband pruning;
parameter importance), Dask distributed runs them (a local cluster started for the search, or an existing cluster
by its scheduler's address), and every trial is a run in the run store, grouped under the search.

    spec = parse_search(project_json["search"], project=project)     # errors name their place
    search = Search(project, spec, on_event=show)                   # checks against the data, opens the store
    result = search.run()                                           # search.cancel() from another thread
    print(json.dumps(result.to_json()))
    revalidate(project, result.best.params)                         # retrain on train+val, report the test rows

No Qt here, and neither Optuna nor Dask is imported until a search runs: importing this package is cheap.
"""
from .cluster import SearchError
from .engine import Search, run_search
from .result import (RoundStarted, SearchFinished, SearchResult, SearchStarted, TrialFinished, TrialProgress,
                     TrialResult, TrialStarted)
from .revalidate import RevalidationResult, revalidate
from .space import check_search, parse_search, trial_object, with_params
from .spec import HIDDEN_LAYERS, MAX_GRID, ParamSpec, SearchSpec

__all__ = [
    "HIDDEN_LAYERS", "MAX_GRID", "ParamSpec", "RevalidationResult", "RoundStarted", "Search", "SearchError",
    "SearchFinished", "SearchResult", "SearchSpec", "SearchStarted", "TrialFinished", "TrialProgress", "TrialResult",
    "TrialStarted", "check_search", "parse_search", "revalidate", "run_search", "trial_object", "with_params",
]
