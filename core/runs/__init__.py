"""The run store: every training run remembered in one SQLite file (settings, status, per-epoch history, final and
best values, the weights file's path), grouped into cross-validation entries and searches, for comparing runs.

    store = RunStore()                                  # LAYERLAB_RUNS, else the per-user store
    recorder = RunRecorder(store, project)
    trainer.fit(listener=recorder)                      # recorder.run_id is the new run
    store.list_runs(status="finished", sort="best.val_loss", descending=False)
    store.differing_settings(store.list_runs(limit=3))  # {"training.optimizer.lr": [0.1, 0.01, 0.001]}

No Qt here; the CLI's `runs` commands and the app's Runs view both call this package.
"""
from .errors import RunStoreError, RunStoreWarning, UnknownRunError
from .location import ENV_VAR, default_store_path, store_path
from .records import GROUP_KINDS, RUN_KINDS, STATUSES, Run, RunGroup, RunSummary, better_is, main_metric
from .recorder import RunRecorder
from .schema import CURRENT_VERSION
from .store import DEFAULT_TIMEOUT, RunStore

__all__ = [
    "CURRENT_VERSION", "DEFAULT_TIMEOUT", "ENV_VAR", "GROUP_KINDS", "RUN_KINDS", "RunStoreError", "RunStoreWarning",
    "STATUSES", "Run", "RunGroup", "RunRecorder", "RunStore", "RunSummary", "UnknownRunError", "better_is",
    "default_store_path", "main_metric", "store_path",
]
