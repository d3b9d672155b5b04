"""A search's study bookkeeping between rounds and at the end: trials a killed search left running, grid points a
cancel left out, a task that did not return, and the search's result with each parameter's importance."""
from __future__ import annotations

from typing import Any

from .records import OUTCOME, SLOT, best_of, counts, trial_result
from .result import SearchResult
from .space import decode, distributions, encode
from .spec import ParamSpec


def fail_leftovers(study: Any) -> None:
    """Trials left running by a search that was killed: failed as interrupted (they are tried again)."""
    for t in study.get_trials(deepcopy=False):
        if t.state.name in ("RUNNING", "WAITING") and SLOT in t.user_attrs:
            study._storage.set_trial_user_attr(t._trial_id, OUTCOME, {
                "detail": "interrupted: the search stopped while it ran", "counts": False})
            study.tell(t.number, state=trial_state("FAIL"))


def enqueue_missing_grid(study: Any, params: tuple[ParamSpec, ...], needed: int) -> None:
    """On resume, grid points whose trial was cancelled or interrupted are queued again (Optuna's grid sampler
    counts any finished trial as visited)."""
    import itertools

    from .space import grid_space

    trials = study.get_trials(deepcopy=False)
    if not trials or needed <= 0:
        return
    done = {tuple(sorted(t.params.items())) for t in trials if counts(t)}
    space = grid_space(params)
    names = sorted(space)
    missing = [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))
               if tuple(sorted(zip(names, combo))) not in done]
    for point in missing[:needed]:
        study.enqueue_trial(point)


def search_result(studies: list, spec: Any, plan: Any, status: str, group_id: int | None, study: str | None,
                  storage: str) -> SearchResult:
    """Every trial of every round (by number), the best, and the importance of each parameter over the complete
    trials, measured on the first round's (widest) space."""
    from .study import param_importance

    results, complete = [], []
    wide = spec.params
    for round_study, params in studies:
        for t in round_study.get_trials(deepcopy=False):
            result = trial_result(t, params)
            if result is not None:
                results.append(result)
            if t.state.name == "COMPLETE":
                complete.append((encode(wide, decode(params, t.params)), t.value))
    results.sort(key=lambda t: t.number)
    importance = param_importance(complete, distributions(wide), plan.direction, spec.seed)
    return SearchResult(tuple(results), best_of(results, plan.direction), importance, plan.metric, plan.direction,
                        status, group_id, study, storage)


def outcome_of(ticket: Any) -> Any:
    """The trial's outcome, or a failed one when its task did not return (its worker died twice, or the cluster
    went away)."""
    from .trial import TrialOutcome

    try:
        return ticket.future.result()
    except Exception as exc:
        name = type(exc).__name__
        if name == "CancelledError":
            return TrialOutcome(ticket.number, "failed", "stopped", None, "cancelled", cancelled=True)
        reason = "its worker died" if name == "KilledWorker" else f"{name}: {str(exc).strip()[:300]}"
        return TrialOutcome(ticket.number, "failed", "failed", None, reason)


def trial_state(name: str) -> Any:
    from optuna.trial import TrialState

    return TrialState[name]


def hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url
