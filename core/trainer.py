"""The mini-batch training loop, with live events for listeners and no Qt.

`Trainer.fit()` runs on whatever thread calls it (the app calls it from a worker thread) and can be paused,
resumed and stopped from any other thread between batches. `Trainer.run()` is the same loop as a generator of
events, for scripts and tests: epochs of `run_epoch`, each a `train_step` per batch. The same seed and settings
give bit-identical weights: initialisation, shuffling and training-time noise (dropout, Gaussian noise, RReLU)
draw from three generators spawned from the seed.

The batch loop is the hot path (a spiral-sized step is tens of microseconds of Python): `run_epoch` binds what
it reads into locals once per epoch, the batches' array views are made once (training_setup.batch_views), and a
batch costs one `train_step` call beyond the step's own work.
"""
from __future__ import annotations

import math
import time
import traceback
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .diagnostics import DiagnosticsCollector, DiagnosticsSnapshot
from .divergence import DivergenceGuard
from .epoch_metrics import EpochMetrics, append_to_history
from .errors import TrainingError
from .events import (COMPLETED, EARLY_STOPPING, STOPPED, BatchEnd, Diverged, EpochEnd, Event, Failed, Finished,
                     TrainingStarted)
from .gradient_clipping import clip_gradient
from .layer_history import SAMPLE_EVERY
from .network import Network
from .optimizers import Optimizer
from .run_control import RunControl
from .trainer_checkpoint import TrainerCheckpoint
from .training_config import TrainingConfig
from .training_data import TrainerData, seed_generators
from .training_setup import Batch, batch_slices, batch_views, build_setup, checked_inputs, new_optimizer


class StepDiverged(Exception):
    """A training step met a loss or gradient that is not finite (NaN or Inf), or a loss that exploded
    (core/divergence.py); nothing was updated."""

    def __init__(self, what: str, value: float):
        super().__init__(f"the {what} became {value}")
        self.what, self.value = what, value     # what: "loss" | "gradient"


class RunProgress:
    """What one call of `run()` carries from epoch to epoch."""

    __slots__ = ("target", "start_step", "active", "last_event", "last_batch")

    def __init__(self, target: int, start_step: int, epoch: int):
        self.target = target               # the epoch count at which the run ends
        self.start_step = start_step       # optimizer steps before the run
        self.active = 0.0                  # seconds spent training in this run, pauses excluded
        self.last_event = -math.inf        # perf_counter() of the latest BatchEnd
        self.last_batch = (epoch, 0)       # (epoch, batch) of the latest step


class Trainer(RunControl, TrainerCheckpoint):
    def __init__(self, network: Network, data: TrainerData, config: TrainingConfig,
                 sample_weight: np.ndarray | None = None, diagnostics_every_steps: int | None = None,
                 batch_event_interval: float = 0.05, initialize: bool = True):
        self.network = network
        self.data = data
        self.task = data.task
        self.n_classes = int(data.n_classes)
        self.batch_event_interval = batch_event_interval
        self._diagnostics_every_steps = diagnostics_every_steps
        self._sample_weight = sample_weight
        self._X = checked_inputs(network, data.train.X, "training")
        if self._X.shape[0] == 0:
            raise TrainingError("the training split is empty")
        self._Xs = np.empty_like(self._X)
        # The weights before the latest step (a divergence falls back to them; diagnostics measure updates from
        # them), and the latest weights that passed the divergence checks.
        self._prev_params = np.empty_like(network.params)
        self._prev_buffers = np.empty_like(network.buffers)
        self._good_params = np.empty_like(network.params)
        self._good_buffers = np.empty_like(network.buffers)
        self.guard = DivergenceGuard()
        self._out: np.ndarray | None = None       # the latest step's outputs (logits when the loss is fused)
        # Fixed with the network's layers: what train_step needs to do beyond forward, backward and the update.
        self._has_penalty = network.has_penalty
        self._has_constraints = network.has_constraints
        self._has_buffers = network.buffers.size > 0
        self._configure(config)
        RunControl.__init__(self)
        self.epoch = 0            # epochs completed
        self.step = 0             # optimizer steps taken
        self.history: dict[str, list[float]] = {}
        self.last_snapshot: DiagnosticsSnapshot | None = None
        self.best_state: tuple[np.ndarray, np.ndarray] | None = None
        self.best_epoch: int | None = None
        self.diverged: Diverged | None = None
        self.reset(initialize=initialize)

    # --- set-up -------------------------------------------------------------------------------------------------
    def _configure(self, config: TrainingConfig, keep_state_from: Optimizer | None = None) -> None:
        """Everything that depends on the training settings (not on the weights), from a setup built and checked
        in full before anything is assigned."""
        setup = build_setup(self.network, self.data, self._X, config, self._sample_weight, keep_state_from)
        self.config, self.loss, self.fused = config, setup.loss, setup.fused
        self.optimizer, self.base_lr = setup.optimizer, setup.base_lr
        self.schedule, self.early_stopping = setup.schedule, setup.early_stopping
        self._T, self._W, self._val = setup.targets, setup.weights, setup.val
        self._Ts = np.empty_like(self._T)
        self._Ws = None if self._W is None else np.empty_like(self._W)
        self._clipping = config.clip_norm is not None or config.clip_value is not None
        self.batch_size = setup.batch_size
        self.batches_per_epoch = math.ceil(self._X.shape[0] / self.batch_size)
        # Every epoch's batches come from the same arrays: the shuffled copies, refilled each epoch, or the rows as
        # given. Their views are made here, once.
        self._batch_arrays = (self._Xs, self._Ts, self._Ws) if config.shuffle else (self._X, self._T, self._W)
        self._batches = batch_views(*self._batch_arrays, self.batch_size)
        monitors = tuple(m for m in (getattr(setup.early_stopping, "monitor", None),
                                     getattr(setup.schedule, "monitor", None)) if m)
        self.metrics = EpochMetrics(self.network, self.task, self.n_classes, self.loss, self.fused, self._X,
                                    self.data.train.y, self._val, self.batch_size, monitors)
        self._new_diagnostics()

    def _new_diagnostics(self) -> None:
        self.diagnostics = DiagnosticsCollector(self.network, self.config.diagnostics_budget,
                                                self.config.diagnostics_rate, every_steps=self._diagnostics_every_steps,
                                                previous=self._prev_params)

    def reconfigure(self, config: TrainingConfig) -> None:
        """New training settings between runs; the weights, epoch count, history and generators carry on.
        The optimizer keeps its state (moments, step count) when its kind stays the same."""
        self._configure(config, keep_state_from=self.optimizer)
        if self.schedule is None:
            self.optimizer.lr = self.base_lr

    def reset(self, seed: int | None = None, initialize: bool = True) -> None:
        """Re-initialise the weights and all training state; the same seed reproduces the same start. Refused
        (TrainingError) while a run is in progress: its thread is using the weights."""
        if self.running:
            raise TrainingError("training is in progress: stop it before resetting the weights")
        seed = self.config.seed if seed is None else seed
        self.init_rng, self.shuffle_rng, self.noise_rng = seed_generators(seed)
        if initialize:
            self.network.initialize(self.init_rng)
        self.optimizer = new_optimizer(self.network, self.config)
        self.optimizer.lr = self.base_lr
        self._new_diagnostics()
        if self.schedule is not None:
            self.schedule.reset()
        if self.early_stopping is not None:
            self.early_stopping.reset()
        self.epoch, self.step, self.history = 0, 0, {}
        self.best_state = self.best_epoch = self.diverged = self.last_snapshot = None
        self.guard.reset()

    # --- running ------------------------------------------------------------------------------------------------
    def fit(self, epochs: int | None = None, listener: Callable[[Any], None] | None = None) \
            -> Finished | Diverged | Failed:
        """Train until `epochs` more epochs are done (default: up to the configured total); returns the last event.
        `listener` receives every event on the way (on this thread)."""
        last = None
        for event in self.run(epochs):
            if listener is not None:
                listener(event)
            last = event
        return last

    def run(self, epochs: int | None = None) -> Iterator[Event | DiagnosticsSnapshot]:
        """The training loop as a generator of events; unexpected exceptions become a final `Failed` event."""
        try:
            # Overflow and NaN are detected and reported as divergence; NumPy's warnings would only add noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                yield from self._run_epochs(epochs)
        except TrainingError:
            raise
        except Exception as exc:  # reported to the user, never swallowed silently
            self._restore_best()     # whatever ends a run restores the best weights, a failure too
            yield Failed(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            self.end_run()           # requests are per run (core/run_control.py)

    def _run_epochs(self, epochs: int | None) -> Iterator[Event | DiagnosticsSnapshot]:
        """Epochs until the target, early stopping, a stop or a divergence; then the final event. A stop requested
        before this point stops the run at its first batch (it is never cleared here)."""
        if self.diverged is not None:
            raise TrainingError("training diverged; reset the network (or lower the learning rate) before continuing")
        self.running = True
        run = RunProgress(self.config.epochs if epochs is None else self.epoch + epochs, self.step, self.epoch)
        net, diag = self.network, self.diagnostics
        # The weights a divergence falls back to: the run's starting weights until its first step is taken.
        for kept in (self._prev_params, self._good_params):
            np.copyto(kept, net.params)
        for kept in (self._prev_buffers, self._good_buffers):
            np.copyto(kept, net.buffers)
        self.guard.start_run(net.params, (self.history.get("loss") or [None])[0])
        n = self._X.shape[0]
        val_rows = 0 if self._val is None else self._val[0].shape[0]
        yield TrainingStarted(self.epoch, run.target, self.batches_per_epoch, n, val_rows)
        reason = COMPLETED
        while self.epoch < run.target:
            epoch = self.epoch
            loss_sum = yield from self.run_epoch(run)
            if self.diverged is not None:
                return
            if loss_sum is None:
                reason = STOPPED
                break
            # The last epoch of the training (not of a shorter run, which pauses it) logs exact training metrics.
            final = epoch == run.target - 1 and epoch + 1 >= self.config.epochs
            logs = self.metrics.logs(loss_sum / n, self.optimizer.lr, exact=final)
            dead = diag.dead.end_epoch() if diag.dead.layers else {}
            if diag.enabled:
                logs.update(diag.end_epoch(dead))
            else:
                logs.update({f"layers.{i}.dead": float(count) for i, count in dead.items()})
            self.epoch += 1
            improved, stop_now = self._after_epoch(epoch, logs)
            if stop_now and not final:      # early stopping made this the last epoch: its numbers are exact too
                logs.update(self.metrics.train_metrics(exact=True))
            append_to_history(self.history, logs, epoch)
            yield EpochEnd(epoch, logs, self.step, run.active, dead, improved)
            if stop_now:
                reason = EARLY_STOPPING
                break
            if self._end_after_epoch.is_set():
                break
        if diag.enabled and self.step > run.start_step and \
                (self.last_snapshot is None or self.last_snapshot.step < self.step):
            # Stopped or stopped early: one more snapshot so the views end on the final state.
            self.last_snapshot = diag.snapshot(self.step, *run.last_batch)
            yield self.last_snapshot
        yield self._finish(reason, run.active)

    def run_epoch(self, run: RunProgress) -> Iterator[Event | DiagnosticsSnapshot]:
        """One pass over the training rows (shuffled unless training.shuffle is false), a `train_step` per batch;
        between batches it waits while the gate is held or the trainer is paused, and ends when stopped.

        Yields BatchEnd events (at most every `batch_event_interval` seconds, and after the last batch), the
        diagnostics' snapshots, and Diverged if a step diverged. The weights are checked for divergence before
        anything is yielded or measured. Returns the epoch's loss summed over its rows, or None when the run ended
        inside the epoch (stopped or diverged)."""
        epoch, nb = self.epoch, self.batches_per_epoch
        self._start_epoch_lr(epoch)
        batches = self._epoch_batches()
        diag, train_step, gate, guard = self.diagnostics, self.train_step, self.gate, self.guard
        trace_on, track_dead, sample_every = diag.enabled, bool(diag.dead.layers), SAMPLE_EVERY
        outputs, kept = self.metrics.batch_outputs, len(self.metrics.batch_outputs)
        resumed, stopping, perf_counter = self._resume.is_set, self._stop.is_set, time.perf_counter
        last_epoch_of_run, interval, last_event = epoch == run.target - 1, self.batch_event_interval, run.last_event
        needs_reference = guard.loss_reference is None
        loss_sum = pending_sum = 0.0
        pending_count = 0
        clock = perf_counter()
        for b, (X, T, W, rows) in enumerate(batches):
            if gate is not None and gate.locked():     # (an open gate costs one C call)
                with gate:
                    pass
            if not resumed():
                run.active += perf_counter() - clock
                self._resume.wait()
                clock = perf_counter()
            if stopping():
                run.active += perf_counter() - clock
                if b:
                    run.last_batch = (epoch, b - 1)
                return None
            try:
                value = train_step(X, T, W)
            except StepDiverged as bad:
                yield self._diverge(epoch, b, bad.what, bad.value)
                return None
            if needs_reference:
                guard.set_loss_reference(value)
                needs_reference = False
            if b < kept:
                np.copyto(outputs[b], self._out)
            if track_dead:
                diag.dead.update()
            loss_sum += value * rows
            pending_sum += value
            pending_count += 1
            last = b == nb - 1
            # A snapshot after the run's last step too, so the views end on the final state.
            snap = trace_on and (diag.due(self.step) or (last and (last_epoch_of_run or self._end_after_epoch.is_set())))
            record = trace_on and not snap and diag.clock() >= diag.next_trace
            sample = trace_on and ((b + 1) % sample_every == 0 or last)
            now = perf_counter()
            event = now - last_event >= interval or last
            if snap or record or sample or event:
                bad_norm = guard.weights_norm_if_bad(self.network.params)
                if bad_norm is not None:
                    yield self._diverge(epoch, b, "weights", bad_norm)
                    return None
                if last and not self.optimizer.state_is_finite():  # a huge gradient's square overflowed float32
                    yield self._diverge(epoch, b, "optimizer state", float("inf"))
                    return None
                self._keep_good_weights()
            if sample:
                diag.sample_history()
            if snap:
                self.last_snapshot = diag.snapshot(self.step, epoch, b)
                yield self.last_snapshot
            elif record:
                diag.record(self.step)
            if event:
                last_event = now
                elapsed = run.active + (now - clock)
                done = self.step - run.start_step
                yield BatchEnd(epoch, b, nb, self.step, pending_sum / pending_count, float(self.optimizer.lr),
                               done * self.batch_size / elapsed if elapsed > 0 else 0.0, elapsed)
                pending_sum, pending_count = 0.0, 0
        run.active += perf_counter() - clock
        run.last_event, run.last_batch = last_event, (epoch, nb - 1)
        return loss_sum

    def train_step(self, X: np.ndarray, T: np.ndarray, W: np.ndarray | None = None) -> float:
        """One optimizer step on a batch: inputs X (b, d), targets T (b, k) as the loss prepared them, per-row loss
        weights W (b,) or None. Forward in training mode, the loss (plus any weight penalty), backward, gradient
        clipping, then the update and any constraints; the weights before the update are kept for a divergence to
        fall back on. Returns the batch loss. Raises StepDiverged, before anything is updated, when the loss or a
        gradient is not finite, or the loss exploded (above `guard.loss_limit`)."""
        net, fused, penalized = self.network, self.fused, self._has_penalty
        out = self._out = net.forward(X, True, self.noise_rng, logits=fused)
        if fused:
            value, d = self.loss.value_and_grad_logits(out, T, W)
        else:
            value, d = self.loss.value_and_grad(out, T, W)
        if penalized:
            value += net.penalty()
        net.backward(d, from_logits=fused)
        if penalized:
            net.add_penalty_gradient()
        G = net.grads
        g2 = float(np.dot(G, G))
        if not (value <= self.guard.loss_limit and math.isfinite(g2)):    # (False for a NaN loss too)
            if not value <= self.guard.loss_limit:
                raise StepDiverged("loss", value)
            if not np.all(np.isfinite(G)):
                raise StepDiverged("gradient", g2)
        if self._clipping:
            clip_gradient(G, self.config.clip_value, self.config.clip_norm, g2)
        P = net.params
        np.copyto(self._prev_params, P)
        if self._has_buffers:
            np.copyto(self._prev_buffers, net.buffers)
        self.optimizer.step(P, G)
        if self._has_constraints:
            net.apply_constraints()
        self.step += 1
        return value

    # --- around the epochs --------------------------------------------------------------------------------------
    def _start_epoch_lr(self, epoch: int) -> None:
        if self.schedule is not None:
            lr = self.schedule.lr_at(epoch, self.base_lr, self.config.epochs)
            if lr is not None:
                self.optimizer.lr = lr

    def _epoch_batches(self) -> Iterable[Batch]:
        """The epoch's batches (inputs, targets, loss weights, rows), in a fresh shuffle unless training.shuffle
        is false."""
        order = None
        if self.config.shuffle:
            order = self.shuffle_rng.permutation(self._X.shape[0])
            # mode="clip": a permutation is always in range, and take() with out= buffers its whole output first
            # in the default mode="raise" (twice the cost: 24 ms instead of 11 ms an epoch on 12,800 x 784).
            np.take(self._X, order, axis=0, out=self._Xs, mode="clip")
            np.take(self._T, order, axis=0, out=self._Ts, mode="clip")
            if self._W is not None:
                np.take(self._W, order, axis=0, out=self._Ws, mode="clip")
        self.metrics.start_epoch(order)
        if self._batches is not None:
            return self._batches
        return batch_slices(*self._batch_arrays, self.batch_size)

    def _after_epoch(self, epoch: int, logs: dict[str, float]) -> tuple[bool, bool]:
        improved = stop = False
        if self.early_stopping is not None:
            improved, stop = self.early_stopping.on_epoch_end(epoch, logs)
            if self.early_stopping.restore_best_weights and (improved or self.best_state is None) and \
                    epoch >= self.early_stopping.start_from_epoch:
                self.best_state = (self.network.params.copy(), self.network.buffers.copy())
                self.best_epoch = epoch
        if self.schedule is not None:
            self.optimizer.lr = self.schedule.on_epoch_end(epoch, logs, self.optimizer.lr)
        return improved, stop

    def _restore_best(self) -> bool:
        if self.best_state is None:
            return False
        params, buffers = self.best_state
        self.network.params[...] = params
        self.network.buffers[...] = buffers
        return True

    def _keep_good_weights(self) -> None:
        np.copyto(self._good_params, self.network.params)
        if self._has_buffers:
            np.copyto(self._good_buffers, self.network.buffers)

    def _diverge(self, epoch: int, batch: int, what: str, value: float) -> Diverged:
        """Stop with the last good weights: those before the latest step, whose loss passed, if they pass the
        weight check too, else the latest that did (or the best ones, if kept)."""
        net = self.network
        net.params[...] = self._prev_params
        net.buffers[...] = self._prev_buffers
        if self.guard.weights_norm_if_bad(net.params) is not None:
            net.params[...] = self._good_params
            net.buffers[...] = self._good_buffers
        self._restore_best()
        lr = self.optimizer.lr
        message = (f"training diverged at epoch {epoch + 1}, batch {batch + 1}: {self.guard.explanation(what, value)} "
                   f"(learning rate {lr:g}); the last good weights were kept")
        self.diverged = Diverged(epoch, batch, self.step, what, float(value), message)
        return self.diverged

    def _finish(self, reason: str, elapsed: float) -> Finished:
        # Training ends when the configured epochs are done, early stopping or the user ends it: then the best
        # weights come back. A run of fewer epochs (a Step, `--stop-after`) only pauses training: restoring then
        # would make the next run start from other weights than an uninterrupted one.
        ends_training = reason != COMPLETED or self.epoch >= self.config.epochs
        restored = self._restore_best() if ends_training else False
        test = self.data.test
        # The test split is evaluated once, when training ends.
        test_metrics = self.metrics.test_logs(test) if ends_training and test is not None and len(test.y) else {}
        return Finished(reason, self.epoch, self.step, self.best_epoch if restored else None, restored, elapsed,
                        test_metrics)
