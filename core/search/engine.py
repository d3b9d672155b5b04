"""The search driver: Optuna asks for trials, Dask runs them, every trial is a run in the store.

    search = Search(project, spec, runs=store, on_event=print)     # checks everything before a trial starts
    result = search.run()                                          # blocks; call search.cancel() from any thread
    result.best.params, result.importance, result.to_json()

`run()` works on the calling thread (the CLI's, or the app's worker thread) and calls `on_event` there. It keeps
as many trials in flight as there are workers, plus one asked in advance, so a worker that finishes gets its next
trial without waiting for the sampler. The Optuna study lives in the run store's SQLite file (or `storage`, an RDB
URL a remote cluster's workers reach), so a stopped search resumes where it was (`resume=True`).
"""
from __future__ import annotations

import math
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import SpecError
from ..project import Project
from .cluster import Cluster, SearchError, machine_cores
from .records import OUTCOME, SLOT, best_of, close_stale_runs, counts, record_outcome, trial_result
from .rounds import (enqueue_missing_grid, fail_leftovers, hide_password, outcome_of, search_result,
                     trial_state)
from .result import (RoundStarted, SearchFinished, SearchResult, SearchStarted, TrialFinished, TrialProgress,
                     TrialStarted)
from .setup import SearchPlan, find_resumable, plan_search
from .space import decode, distributions, narrow, parse_search, space_json, space_params, trial_object
from .spec import ParamSpec, SearchSpec

CANCEL_GRACE = 10.0         # seconds cancelled trials get to stop before their tasks are abandoned
WAKE = 0.25                 # seconds the loop sleeps at most between looks at cancel and timeout


@dataclass
class Ticket:
    """A trial asked from Optuna and (once submitted) running on the cluster."""

    number: int
    round: int
    trial: Any                  # optuna.trial.Trial
    params: dict
    submitted: float = 0.0
    future: Any = None
    done_at: float | None = None    # when the driver had its result (its bookkeeping comes after the next submits)


class Search:
    def __init__(self, project: Project, spec: SearchSpec | Mapping | None = None, *, runs: Any = None,
                 storage: str | None = None, weights_dir: str | os.PathLike | None = None,
                 resume: bool | int = False, trials: int | None = None, workers: int | str | None = None,
                 scheduler: str | None = None, name: str | None = None, cluster: Any = None,
                 on_event: Callable[[Any], None] | None = None):
        """Check the search (SpecError/DataError/SearchError naming the place) and open the run store. `spec`
        defaults to the project's `search` section; `trials`, `workers` and `scheduler` override the spec's (the
        CLI's flags). `resume` continues the newest search of this project and space (or the search with that
        group id) up to the requested number of trials. `cluster` (a `Cluster` or a `distributed.Client`) runs
        the trials on a cluster the caller keeps (several searches in a row; it is not closed)."""
        if spec is None:
            spec = getattr(project, "search", None)
            if spec is None:
                raise SpecError("the project has no search section: add \"search\": {\"params\": {...}}")
        if not isinstance(spec, SearchSpec):
            spec = parse_search(dict(spec))
        changes = {k: v for k, v in (("trials", trials), ("workers", workers), ("scheduler", scheduler))
                   if v is not None}
        if changes:
            spec = spec.with_changes(**changes)
        self.plan: SearchPlan = plan_search(project, spec)
        self.spec, self.project = spec, project
        self.name = name or project.name
        self.on_event = on_event
        from ..runs import RunStore

        self.store = runs if isinstance(runs, RunStore) else RunStore(runs)
        self.storage_url = storage or self.store.optuna_url
        self.external_storage = storage is not None
        self.weights_dir = Path(weights_dir) if weights_dir is not None else None
        self.resume = resume
        self._given_cluster = cluster
        self.group_id: int | None = None
        self.study_name: str | None = None
        self._cancel = threading.Event()
        self._inbox: queue.Queue = queue.Queue()

    # --- control --------------------------------------------------------------------------------------------------
    def use_cluster(self, cluster: Any) -> None:
        """Run on `cluster` (as the constructor's `cluster`), chosen after the checks: the app starts its cluster
        only for a search that passed them."""
        self._given_cluster = cluster

    def cancel(self) -> None:
        """From any thread: no new trials; running ones stop within about a second; finished ones are kept."""
        self._cancel.set()
        self._inbox.put(("wake", None))

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # --- running --------------------------------------------------------------------------------------------------
    def run(self) -> SearchResult:
        """Run the search to its trial count (every refining round), its timeout, or a cancel."""
        from .study import get_storage, quiet_optuna

        quiet_optuna()
        began = time.monotonic()
        storage = get_storage(self.storage_url)
        self._open_group()
        self._stopped = False
        status = "failed"
        cluster = None
        try:
            cluster = self._open_cluster()
            self._prepare_workers(cluster)
            studies = self._rounds(storage, cluster, began)
            status = "stopped" if self._stopped else "finished"
            result = self._result(studies, status)
        except BaseException:
            self._safely(lambda: self.store.finish_group(self.group_id, "stopped" if self._stopped else "failed"))
            raise
        finally:
            if cluster is not None:
                self._close(cluster)
        self._safely(lambda: self.store.finish_group(self.group_id, status, {
            k: v for k, v in result.to_json().items() if k != "trials"}))
        self._emit(SearchFinished(result))
        return result

    def _open_group(self) -> None:
        settings = {**self.spec.to_dict(), "storage": hide_password(self.storage_url)}
        if self.resume:
            group = find_resumable(self.store, self.project, self.spec, self.resume)
            if group.settings.get("storage") != settings["storage"]:
                raise SearchError(f"search {group.id} keeps its study in {group.settings.get('storage')}; give that "
                                  "storage (--storage URL) to resume it")
            self.group_id, self.study_name = group.id, group.study
            self.store.reopen_group(group.id)
        else:
            self.study_name = f"layerlab-search-{uuid.uuid4().hex[:12]}"
            self.group_id = self.store.create_group("search", self.plan.base, name=f"{self.name} (search)",
                                                    settings=settings, study=self.study_name)

    def _open_cluster(self) -> Cluster:
        spec = self.spec
        limit = None if spec.workers == "auto" else int(spec.workers)
        given = self._given_cluster
        if given is not None:
            client = given.client if isinstance(given, Cluster) else given
            local = given.local_cluster if isinstance(given, Cluster) else None
            return Cluster(client, local, limit)
        if spec.scheduler is not None:
            return Cluster.connect(spec.scheduler, limit)
        workers = min(limit or machine_cores(), max(1, spec.trials_per_round))
        return Cluster.start_local(workers)

    def _prepare_workers(self, cluster: Cluster) -> None:
        """Subscribe to the workers' messages; decide whether they record runs themselves (they see the store)."""
        from .worker_state import sees_store

        self._topic = f"{self.study_name}-{uuid.uuid4().hex[:6]}"
        self._cancel_event = f"{self._topic}-cancel"
        cluster.client.subscribe_topic(self._topic, lambda event: self._inbox.put(("message", event[1])))
        if cluster.local:
            self._shared = True
        else:
            seen = cluster.run_on_workers(sees_store, str(self.store.path), self.group_id, self.study_name)
            self._shared = bool(seen) and all(seen.values())
        if self.spec.pruning != "none" and not self.external_storage and not self._shared:
            raise SearchError(f"pruning on the cluster at {cluster.address} needs a study storage its workers "
                              "reach: give --storage URL (a PostgreSQL or MySQL database, for example), or set "
                              "\"pruning\": \"none\"")

    def _rounds(self, storage: Any, cluster: Cluster, began: float) -> list[tuple[Any, tuple[ParamSpec, ...]]]:
        """Round 0 searches the spec's space; each refining round the span of the previous round's best trials
        (kept on its study, so a resumed search refines the same space)."""
        import optuna

        from .study import make_pruner, make_sampler

        names = [self.study_name if r == 0 else f"{self.study_name}.round{r}"
                 for r in range(self.spec.refine_rounds + 1)]
        existing = {s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
        self._next_number = 0
        for name in names:
            if name in existing:
                for t in optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False):
                    if SLOT in t.user_attrs:
                        self._next_number = max(self._next_number, int(t.user_attrs[SLOT]["number"]) + 1)
        self._known = {}        # number -> TrialResult of every finished trial (this run and before)
        for r, name in enumerate(names):
            if name in existing:
                study = optuna.load_study(study_name=name, storage=storage)
                space = study.user_attrs.get("space")
                params = space_params(space) if space else self.spec.params
                for t in study.get_trials(deepcopy=False):
                    result = trial_result(t, params) if counts(t) else None
                    if result is not None:
                        self._known[result.number] = result
        self._emit(SearchStarted(self.plan.total, len(self._known), cluster.capacity(), cluster.address,
                                 cluster.local, self.group_id, self.study_name, cluster.started_in))
        studies: list[tuple[Any, tuple[ParamSpec, ...]]] = []
        params = self.spec.params
        for r, name in enumerate(names):
            if self._stopped:
                break
            saved = optuna.load_study(study_name=name, storage=storage).user_attrs.get("space") \
                if name in existing else None
            if r > 0:
                params = space_params(saved) if saved else self._narrowed(studies[-1])
            study = optuna.create_study(storage=storage, study_name=name, load_if_exists=True,
                                        sampler=make_sampler(self.spec, params, r),
                                        pruner=make_pruner(self.plan.pruner), direction=self.plan.direction)
            if saved is None:
                study.set_user_attr("space", space_json(params))
            studies.append((study, params))
            self._emit(RoundStarted(r, space_json(params)))
            self._run_round(study, params, r, cluster, began, studies)
        return studies

    def _counted(self, study: Any) -> int:
        return sum(counts(t) for t in study.get_trials(deepcopy=False))

    def _narrowed(self, round_: tuple[Any, tuple[ParamSpec, ...]]) -> tuple[ParamSpec, ...]:
        study, params = round_
        done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
        done.sort(key=lambda t: t.value, reverse=self.plan.direction == "maximize")
        keep = max(1, math.ceil(self.spec.refine_keep * len(done)))
        return narrow(params, [decode(params, t.params) for t in done[:keep]], self.spec.refine_keep)

    def _run_round(self, study: Any, params: tuple[ParamSpec, ...], r: int, cluster: Cluster, began: float,
                   studies: list) -> None:
        fail_leftovers(study)
        needed = self.spec.trials_per_round - self._counted(study)
        if self.spec.method == "grid":
            enqueue_missing_grid(study, params, needed)
        dists = distributions(params)
        in_flight: dict[str, Ticket] = {}
        finished: list[Ticket] = []
        ready: Ticket | None = None
        asked = 0
        cancel_sent_at: float | None = None
        while True:
            if self.spec.timeout_s is not None and time.monotonic() - began >= self.spec.timeout_s:
                self._stopped = True
            if self._cancel.is_set():
                self._stopped = True
                if cancel_sent_at is None:
                    from distributed import Event

                    Event(self._cancel_event, client=cluster.client).set()
                    cancel_sent_at = time.monotonic()
            while not self._stopped and asked < needed and len(in_flight) < max(1, cluster.capacity()):
                ticket = ready or self._ask(study, params, dists, r)
                ready = None
                self._submit(ticket, cluster)
                in_flight[ticket.future.key] = ticket
                asked += 1
            for ticket in finished:          # bookkeeping once the free workers have their next trials
                self._finish(ticket, studies, outcome_of(ticket))
            finished.clear()
            if ready is None and not self._stopped and asked < needed and in_flight:
                ready = self._ask(study, params, dists, r)       # the next trial, asked while workers are busy
            if not in_flight:
                break
            if cancel_sent_at is not None and time.monotonic() - cancel_sent_at > CANCEL_GRACE:
                self._abandon(in_flight, cluster, r, studies)
                break
            finished.extend(self._wait(in_flight))
        if ready is not None:      # asked, never started: not a trial of this search
            ready.trial.set_user_attr(OUTCOME, {"skipped": True, "counts": False})
            study.tell(ready.trial, state=trial_state("FAIL"))

    def _ask(self, study: Any, params: tuple[ParamSpec, ...], dists: dict, r: int) -> Ticket:
        trial = study.ask(dists)
        number = self._next_number
        self._next_number += 1
        trial.set_user_attr(SLOT, {"number": number, "round": r})
        return Ticket(number, r, trial, decode(params, trial.params))

    def _submit(self, ticket: Ticket, cluster: Cluster) -> None:
        from .trial import TrialTask, run_trial

        plan = self.plan
        prune = plan.pruner is not None
        weights = None
        if self.weights_dir is not None or self._shared:
            folder = self.weights_dir or self.store.path.parent / f"{self.store.path.stem}-weights"
            weights = str(folder / f"search-{self.group_id}" / f"trial-{ticket.number}.npz")
        task = TrialTask(
            number=ticket.number, params=ticket.params, project=trial_object(plan.base, ticket.params),
            base_dir=str(Path(self.project.base_dir).resolve()), metric=plan.metric, name=self.name,
            folds={"folds": self.spec.folds} if self.spec.folds else None,
            study=ticket.trial.study.study_name if prune else None, trial_id=ticket.trial._trial_id,
            storage=self.storage_url if prune else None, pruner=plan.pruner, report_every=plan.report_every,
            store=str(self.store.path) if self._shared else None, group_id=self.group_id, weights=weights,
            cancel_event=self._cancel_event, topic=self._topic)
        ticket.submitted = time.monotonic()
        ticket.future = cluster.client.submit(run_trial, task, key=f"{self._topic}-trial-{ticket.number}",
                                              pure=False)
        ticket.future.add_done_callback(lambda future: self._inbox.put(("done", future.key)))

    def _wait(self, in_flight: dict[str, Ticket]) -> list[Ticket]:
        """The trials done after waiting for the next message (a trial done, a worker's message, or a wake-up),
        and any others already waiting; workers' messages are passed on as events."""
        done: list[Ticket] = []
        block = True
        while True:
            try:
                kind, payload = self._inbox.get(timeout=WAKE) if block else self._inbox.get_nowait()
            except queue.Empty:
                return done
            block = False
            if kind == "done" and payload in in_flight:
                ticket = in_flight.pop(payload)
                ticket.done_at = time.monotonic()
                done.append(ticket)
            elif kind == "message":
                self._message(payload, in_flight)

    def _message(self, msg: Mapping[str, Any], in_flight: dict[str, Ticket]) -> None:
        number = msg.get("number")
        ticket = next((t for t in in_flight.values() if t.number == number), None)
        if ticket is None:
            return
        if msg.get("kind") == "started":
            self._emit(TrialStarted(ticket.number, ticket.round, ticket.params, msg.get("worker"), msg.get("host")))
        elif msg.get("kind") == "progress":
            self._emit(TrialProgress(ticket.number, int(msg.get("epoch", 0)), msg.get("value")))

    def _finish(self, ticket: Ticket, studies: list, outcome: Any) -> None:
        duration = (ticket.done_at or time.monotonic()) - ticket.submitted      # submit to result
        runs = tuple(outcome.run_ids)
        project = trial_object(self.plan.base, ticket.params)
        if not outcome.recorded:
            runs = self._safely(lambda: record_outcome(self.store, project, self.name, self.group_id,
                                                       ticket.number, outcome)) or ()
        self._safely(lambda: close_stale_runs(self.store, self.group_id, ticket.number, runs))
        counted = not outcome.cancelled and not outcome.detail.startswith("cancelled")
        ticket.trial.set_user_attr(OUTCOME, {
            "detail": outcome.detail, "runs": list(runs), "worker": outcome.worker, "duration": duration,
            "epochs": outcome.epochs, "metrics": {k: v for k, v in outcome.metrics.items() if math.isfinite(v)},
            "counts": counted or outcome.state == "complete", "train_seconds": outcome.train_seconds,
            "worker_seconds": outcome.seconds,
            "status": outcome.status})
        if outcome.state == "complete":
            frozen = ticket.trial.study.tell(ticket.trial, outcome.value)
        else:
            frozen = ticket.trial.study.tell(ticket.trial,
                                             state=trial_state("PRUNED" if outcome.state == "pruned" else "FAIL"))
        result = trial_result(frozen, studies[ticket.round][1])
        if counted or outcome.state == "complete":
            self._known[ticket.number] = result
        known = list(self._known.values())
        self._emit(TrialFinished(result, best_of(known, self.plan.direction), len(known), self.plan.total))

    def _abandon(self, in_flight: dict[str, Ticket], cluster: Cluster, r: int, studies: list) -> None:
        """Cancelled trials that did not stop in time: their tasks are dropped and they fail as cancelled."""
        from .trial import TrialOutcome

        cluster.client.cancel([t.future for t in in_flight.values()])
        for ticket in list(in_flight.values()):
            self._finish(ticket, studies, TrialOutcome(ticket.number, "failed", "stopped", None,
                                                       "cancelled (it did not stop in time)", cancelled=True))
        in_flight.clear()

    def _result(self, studies: list, status: str) -> SearchResult:
        return search_result(studies, self.spec, self.plan, status, self.group_id, self.study_name,
                             hide_password(self.storage_url))

    # --- helpers --------------------------------------------------------------------------------------------------
    def _emit(self, event: Any) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _close(self, cluster: Cluster) -> None:
        try:
            cluster.client.unsubscribe_topic(self._topic)
        except (AttributeError, ValueError, OSError, RuntimeError):
            pass
        if self._given_cluster is None:
            cluster.close()

    def _safely(self, fn: Callable[[], Any]) -> Any:
        """Store writes the search can do without (a locked store must not lose the trials' results)."""
        from ..runs import RunStoreError

        try:
            return fn()
        except RunStoreError as exc:
            import warnings

            from ..runs import RunStoreWarning
            warnings.warn(f"the search's record in the run store is incomplete: {exc}", RunStoreWarning,
                          stacklevel=2)
            return None


def run_search(project: Project, spec: SearchSpec | Mapping | None = None, **options: Any) -> SearchResult:
    """Check and run a search in one call (see `Search`)."""
    return Search(project, spec, **options).run()
