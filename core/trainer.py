"""The mini-batch training loop, with live events for listeners and no Qt.

`Trainer.fit()` runs on whatever thread calls it (the app calls it from a worker thread) and can be paused,
resumed and stopped from any other thread between batches. `Trainer.run()` is the same loop as a generator of
events, for scripts and tests. The same seed and settings give bit-identical weights: initialisation, shuffling
and training-time noise (dropout, Gaussian noise, RReLU) draw from three generators spawned from the seed.
"""
from __future__ import annotations

import copy
import math
import threading
import time
import traceback
from typing import Any, Callable, Iterator

import numpy as np

from .diagnostics import DiagnosticsCollector, DiagnosticsSnapshot
from .early_stopping import EarlyStopping, check_monitors
from .errors import LayerLabError, TrainingError
from .events import (COMPLETED, EARLY_STOPPING, STOPPED, BatchEnd, Diverged, EpochEnd, Event, Failed, Finished,
                     TrainingStarted)
from .losses import Loss, get_loss
from .metrics import evaluate
from .network import Network
from .optimizers import Optimizer, get_optimizer
from .schedules import get_schedule
from .training_config import TrainingConfig
from .tasks import default_loss_for
from .training_data import TrainerData, has_validation, sample_weights, seed_generators

Listener = Callable[[Any], None]

# Train-split metrics each epoch are computed in evaluation mode on at most this many rows (a fixed subset).
TRAIN_METRIC_ROWS = 10_000


class Trainer:
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
        self._X = self._checked_inputs(data.train.X, "training")
        if self._X.shape[0] == 0:
            raise TrainingError("the training split is empty")
        self._Xs = np.empty_like(self._X)
        self._prev_params = np.empty_like(network.params)
        self._prev_buffers = np.empty_like(network.buffers)
        self._configure(config)
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._end_after_epoch = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        # A lock (with `locked()`) another thread may hold to make the loop wait between batches: the app holds it
        # while it is busy, so a frame runs at full speed instead of trading the interpreter with training every
        # few microseconds.
        self.gate: Any = None
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
        """Everything that depends on the training settings (not on the weights). Everything is built and checked
        first, then assigned: settings that do not fit the data leave the trainer as it was."""
        network, data = self.network, self.data
        if np.dtype(config.dtype) != network.dtype:
            raise TrainingError(f"training.dtype is {config.dtype} but the network holds {network.dtype} weights; "
                                "rebuild the network to change it")
        loss: Loss = get_loss(config.loss or default_loss_for(self.task))
        base_lr = float(get_optimizer(config.optimizer).lr)
        optimizer = self._new_optimizer(config)
        if (keep_state_from is not None and type(keep_state_from) is type(optimizer)
                and set(keep_state_from.state_keys()) == set(optimizer.state_keys())):
            optimizer.load_state_dict(keep_state_from.state_dict())
            optimizer.lr = base_lr
        schedule = get_schedule(config.schedule, "training.schedule") if config.schedule else None
        early_stopping = EarlyStopping.from_config(config.early_stopping) if config.early_stopping else None
        check_monitors(config, self.task, has_validation(data))
        dtype, width = network.dtype, network.output_width
        targets = loss.prepare_targets(data.train.y, width, dtype)
        weights = sample_weights(config.class_weight, data, self.task, self.n_classes, self._sample_weight,
                                 self._X.shape[0], dtype)
        val = None
        if has_validation(data):
            val = (self._checked_inputs(data.val.X, "validation"), loss.prepare_targets(data.val.y, width, dtype),
                   np.asarray(data.val.y))
        # Every part is good: now change the trainer.
        self.config, self.loss, self.fused = config, loss, network.can_fuse(loss.fused_activation)
        self.optimizer, self.base_lr, self.schedule, self.early_stopping = optimizer, base_lr, schedule, early_stopping
        self._T, self._W, self._val = targets, weights, val
        n = self._X.shape[0]
        self.batch_size = min(config.batch_size, n)
        self.batches_per_epoch = math.ceil(n / self.batch_size)
        self._Ts = np.empty_like(self._T)
        self._Ws = None if self._W is None else np.empty_like(self._W)
        metric_rows = np.arange(n)
        if n > TRAIN_METRIC_ROWS:
            metric_rows = np.sort(np.random.default_rng(config.seed).choice(n, TRAIN_METRIC_ROWS, replace=False))
        self._metric_rows = metric_rows
        self._new_diagnostics()

    def _new_optimizer(self, config: TrainingConfig) -> Optimizer:
        """A fresh optimizer of `config`, with its state built for this network."""
        optimizer: Optimizer = get_optimizer(config.optimizer, "training.optimizer")
        optimizer.build(self.network.params.size, self.network.dtype)
        return optimizer

    def _new_diagnostics(self) -> None:
        self.diagnostics = DiagnosticsCollector(self.network, self.config.diagnostics_budget,
                                                self.config.diagnostics_rate, every_steps=self._diagnostics_every_steps)

    def reconfigure(self, config: TrainingConfig) -> None:
        """New training settings between runs; the weights, epoch count, history and generators carry on.
        The optimizer keeps its state (moments, step count) when its kind stays the same."""
        self._configure(config, keep_state_from=self.optimizer)
        if self.schedule is None:
            self.optimizer.lr = self.base_lr

    def _checked_inputs(self, X, what: str) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=self.network.dtype)
        if X.ndim != 2 or X.shape[1] != self.network.input_width:
            raise TrainingError(f"{what} inputs have shape {X.shape}, the network expects (n, {self.network.input_width})")
        if not np.all(np.isfinite(X)):
            raise TrainingError(f"{what} inputs contain NaN or Inf")
        return X

    def reset(self, seed: int | None = None, initialize: bool = True) -> None:
        """Re-initialise the weights and all training state; the same seed reproduces the same start."""
        seed = self.config.seed if seed is None else seed
        self.init_rng, self.shuffle_rng, self.noise_rng = seed_generators(seed)
        if initialize:
            self.network.initialize(self.init_rng)
        self.optimizer = self._new_optimizer(self.config)
        self.optimizer.lr = self.base_lr
        self._new_diagnostics()
        if self.schedule is not None:
            self.schedule.reset()
        if self.early_stopping is not None:
            self.early_stopping.reset()
        self.epoch = 0
        self.step = 0
        self.history = {}
        self.best_state = None
        self.best_epoch = None
        self.diverged = None
        self.last_snapshot = None

    # --- control from other threads -----------------------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()

    def pause(self) -> None:
        self._resume.clear()

    def end_after_epoch(self) -> None:
        """End the run in progress (or the next one) once its current epoch is done (the app's Step while
        paused): a pause in training, not its end, so unlike `stop()` it keeps the last weights rather than
        restoring the best ones. The request is cleared when that run ends."""
        self._end_after_epoch.set()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    # --- running ------------------------------------------------------------------------------------------------
    def fit(self, epochs: int | None = None, listener: Listener | None = None) -> Finished | Diverged | Failed:
        """Train until `epochs` more epochs are done (default: up to the configured total); returns the last event."""
        last = None
        for event in self.run(epochs):
            for fn in ([listener] if listener else []) + self._listeners:
                fn(event)
            last = event
        return last

    def run(self, epochs: int | None = None) -> Iterator[Event | DiagnosticsSnapshot]:
        """The training loop as a generator of events; unexpected exceptions become a final `Failed` event."""
        try:
            # Overflow and NaN are detected and reported as divergence; NumPy's warnings would only add noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                yield from self._run(epochs)
        except TrainingError:
            raise
        except Exception as exc:  # reported to the user, never swallowed silently
            self._restore_best()     # whatever ends a run restores the best weights, a failure too
            yield Failed(f"{type(exc).__name__}: {exc}", traceback.format_exc())

    def _run(self, epochs: int | None):
        self._stop.clear()
        target = self.config.epochs if epochs is None else self.epoch + epochs
        if self.diverged is not None:
            raise TrainingError("training diverged; reset the network (or lower the learning rate) before continuing")
        net, opt, loss_fn = self.network, self.optimizer, self.loss
        P, G = net.params, net.grads
        # The weights a divergence falls back to: the run's starting weights until its first step is taken.
        np.copyto(self._prev_params, P)
        np.copyto(self._prev_buffers, net.buffers)
        n, bs, nb = self._X.shape[0], self.batch_size, self.batches_per_epoch
        val_rows = 0 if self._val is None else self._val[0].shape[0]
        yield TrainingStarted(self.epoch, target, nb, n, val_rows)
        diag = self.diagnostics
        track_dead = bool(diag.dead.layers)
        trace_on = diag.enabled
        has_penalty = net.has_penalty
        has_constraints = net.has_constraints
        has_buffers = net.buffers.size > 0
        clip_norm, clip_value = self.config.clip_norm, self.config.clip_value
        fused = self.fused
        active = 0.0
        run_start_step = self.step
        last_batch_event = -math.inf
        reason = COMPLETED
        last_batch = (self.epoch, 0)
        while self.epoch < target:
            epoch = self.epoch
            self._start_epoch_lr(epoch)
            order = self.shuffle_rng.permutation(n) if self.config.shuffle else None
            Xs, Ts, Ws = self._epoch_arrays(order)
            loss_sum = 0.0
            pending_sum, pending_count = 0.0, 0
            clock = time.perf_counter()
            stopped = False
            gate = self.gate
            for b in range(nb):
                if gate is not None and gate.locked():     # (an open gate costs one C call)
                    with gate:
                        pass
                if not self._resume.is_set():
                    active += time.perf_counter() - clock
                    self._resume.wait()
                    clock = time.perf_counter()
                if self._stop.is_set():
                    stopped = True
                    break
                s, e = b * bs, min((b + 1) * bs, n)
                out = net.forward(Xs[s:e], True, self.noise_rng, logits=fused)
                wb = None if Ws is None else Ws[s:e]
                if fused:
                    value, d = loss_fn.value_and_grad_logits(out, Ts[s:e], wb)
                else:
                    value, d = loss_fn.value_and_grad(out, Ts[s:e], wb)
                if has_penalty:
                    value += net.penalty()
                net.backward(d, from_logits=fused)
                if has_penalty:
                    net.add_penalty_gradient()
                g2 = float(np.dot(G, G))
                if not (math.isfinite(value) and math.isfinite(g2)):
                    if not math.isfinite(value) or not np.all(np.isfinite(G)):
                        yield self._diverge(epoch, b, "loss" if not math.isfinite(value) else "gradient",
                                            value if not math.isfinite(value) else g2)
                        return
                if clip_value is not None:
                    np.clip(G, -clip_value, clip_value, out=G)
                    if clip_norm is not None:
                        g2 = float(np.dot(G, G))
                if clip_norm is not None:
                    norm = math.sqrt(g2)
                    if norm > clip_norm:
                        G *= clip_norm / (norm + 1e-6)
                if track_dead:
                    diag.dead.update()
                # A snapshot after the run's last step too, so the views end on the final state.
                snap = diag.due(self.step + 1) or (trace_on and b == nb - 1 and
                                                   (epoch == target - 1 or self._end_after_epoch.is_set()))
                if snap:
                    diag.before_update()
                np.copyto(self._prev_params, P)
                if has_buffers:
                    np.copyto(self._prev_buffers, net.buffers)
                opt.step(P, G)
                if has_constraints:
                    net.apply_constraints()
                self.step += 1
                last_batch = (epoch, b)
                rows = e - s
                loss_sum += value * rows
                pending_sum += value
                pending_count += 1
                if snap:
                    self.last_snapshot = diag.snapshot(self.step, epoch, b)
                    yield self.last_snapshot
                elif trace_on and diag.clock() >= diag.next_trace:
                    diag.record(self.step)
                now = time.perf_counter()
                if now - last_batch_event >= self.batch_event_interval or b == nb - 1:
                    last_batch_event = now
                    elapsed = active + (now - clock)
                    done = self.step - run_start_step
                    yield BatchEnd(epoch, b, nb, self.step, pending_sum / pending_count, float(opt.lr),
                                   done * bs / elapsed if elapsed > 0 else 0.0, elapsed)
                    pending_sum, pending_count = 0.0, 0
            active += time.perf_counter() - clock
            if stopped:
                reason = STOPPED
                break
            if not np.all(np.isfinite(P)):
                yield self._diverge(epoch, nb - 1, "weights", float("nan"))
                return
            logs = self._epoch_logs(loss_sum / n)
            dead = diag.dead.end_epoch() if track_dead else {}
            self.epoch += 1
            improved, stop_now = self._after_epoch(epoch, logs)
            for key, value in logs.items():
                self.history.setdefault(key, []).append(value)
            yield EpochEnd(epoch, logs, self.step, active, dead, improved)
            if stop_now:
                reason = EARLY_STOPPING
                break
            if self._end_after_epoch.is_set():
                break
        if trace_on and self.step > run_start_step and \
                (self.last_snapshot is None or self.last_snapshot.step < self.step):
            # Stopped or stopped early: one more snapshot so the views end on the final state.
            self.last_snapshot = diag.snapshot(self.step, *last_batch)
            yield self.last_snapshot
        self._end_after_epoch.clear()
        yield self._finish(reason, active)

    def _start_epoch_lr(self, epoch: int) -> None:
        if self.schedule is not None:
            lr = self.schedule.lr_at(epoch, self.base_lr, self.config.epochs)
            if lr is not None:
                self.optimizer.lr = lr

    def _epoch_arrays(self, order):
        if order is None:
            return self._X, self._T, self._W
        np.take(self._X, order, axis=0, out=self._Xs)
        np.take(self._T, order, axis=0, out=self._Ts)
        if self._W is not None:
            np.take(self._W, order, axis=0, out=self._Ws)
        return self._Xs, self._Ts, self._Ws

    def _epoch_logs(self, train_loss: float) -> dict[str, float]:
        logs = {"loss": float(train_loss)}
        penalty = self.network.penalty() if self.network.has_penalty else 0.0
        rows = self._metric_rows
        train_out = self.network.predict(self._X[rows])
        y_train = np.asarray(self.data.train.y)[rows]
        for key, value in evaluate(self.task, y_train, train_out, self.n_classes).items():
            logs[key] = float(value)
        if self._val is not None:
            Xv, Tv, yv = self._val
            out = self.network.predict(Xv)
            logs["val_loss"] = self.loss.value(out, Tv) + penalty
            for key, value in evaluate(self.task, yv, out, self.n_classes).items():
                logs[f"val_{key}"] = float(value)
        logs["lr"] = float(self.optimizer.lr)
        return logs

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

    def _diverge(self, epoch: int, batch: int, what: str, value: float) -> Diverged:
        """Stop with the last weights that gave a finite loss and gradient (or the best ones, if kept)."""
        self.network.params[...] = self._prev_params
        self.network.buffers[...] = self._prev_buffers
        self._restore_best()
        lr = self.optimizer.lr
        message = (f"training diverged at epoch {epoch + 1}, batch {batch + 1}: the {what} became {value} "
                   f"(learning rate {lr:g}); the weights from before that step were kept")
        self.diverged = Diverged(epoch, batch, self.step, what, float(value), message)
        return self.diverged

    def _finish(self, reason: str, elapsed: float) -> Finished:
        # Training ends when the configured epochs are done, early stopping or the user ends it: then the best
        # weights come back. A run of fewer epochs (a Step, `--stop-after`) only pauses training: restoring then
        # would make the next run start from other weights than an uninterrupted one.
        ends_training = reason != COMPLETED or self.epoch >= self.config.epochs
        restored = self._restore_best() if ends_training else False
        test_metrics: dict[str, float] = {}
        test = self.data.test
        if ends_training and test is not None and len(test.y):    # the test split is evaluated once, at the end
            out = self.network.predict(test.X)
            test_metrics = {k: float(v) for k, v in evaluate(self.task, np.asarray(test.y), out, self.n_classes).items()}
            test_metrics["loss"] = self.loss.value(out, self.loss.prepare_targets(test.y, self.network.output_width,
                                                                                  self.network.dtype))
        return Finished(reason, self.epoch, self.step, self.best_epoch if restored else None, restored, elapsed,
                        test_metrics)

    # --- checkpoints --------------------------------------------------------------------------------------------
    def checkpoint_state(self) -> dict:
        """JSON-able state that, with the weights and the optimizer arrays, continues training exactly."""
        state = {
            "epoch": self.epoch,
            "step": self.step,
            "lr": float(self.optimizer.lr),
            "rng": {name: getattr(self, f"{name}_rng").bit_generator.state for name in ("init", "shuffle", "noise")},
            "history": self.history,
            "best_epoch": self.best_epoch,
        }
        if self.schedule is not None:
            state["schedule"] = self.schedule.state_dict()
        if self.early_stopping is not None:
            state["early_stopping"] = self.early_stopping.state_dict()
        return state

    def checkpoint_arrays(self) -> dict[str, np.ndarray]:
        if self.best_state is None:
            return {}
        return {"best_params": self.best_state[0], "best_buffers": self.best_state[1]}

    def load_checkpoint(self, state: dict, optimizer_state: dict, arrays: dict[str, np.ndarray]) -> None:
        """Restore what `checkpoint_state`/`checkpoint_arrays` and the optimizer's state_dict saved. Everything is
        read and checked into new objects first, so a corrupt checkpoint changes nothing."""
        try:
            optimizer = self._new_optimizer(self.config)
            optimizer.load_state_dict(optimizer_state)
            optimizer.lr = float(state["lr"])
            rngs = {}
            for name in ("init", "shuffle", "noise"):
                rng = np.random.Generator(type(getattr(self, f"{name}_rng").bit_generator)())
                rng.bit_generator.state = state["rng"][name]
                rngs[name] = rng
            epoch, step = int(state["epoch"]), int(state["step"])
            history = {str(k): [float(v) for v in vs] for k, vs in state["history"].items()}
            best_epoch = state.get("best_epoch")
            best_epoch = None if best_epoch is None else int(best_epoch)
            schedule_state = state.get("schedule") if self.schedule is not None else None
            stopping_state = state.get("early_stopping") if self.early_stopping is not None else None
            if schedule_state is not None:
                copy.deepcopy(self.schedule).load_state_dict(schedule_state)          # a dry run: raises if bad
            if stopping_state is not None:
                copy.deepcopy(self.early_stopping).load_state_dict(stopping_state)
        except LayerLabError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TrainingError(f"the checkpoint's trainer state is incomplete or corrupt ({exc})") from None
        best_state = None
        if "best_params" in arrays:
            params, buffers = arrays["best_params"], arrays.get("best_buffers", np.empty(0))
            if params.shape != self.network.params.shape or buffers.shape != self.network.buffers.shape:
                raise TrainingError("the checkpoint's best weights do not match the network")
            best_state = (params.astype(self.network.dtype), buffers.astype(self.network.dtype))
            if not (np.all(np.isfinite(best_state[0])) and np.all(np.isfinite(best_state[1]))):
                raise TrainingError(f"the checkpoint's best weights are not finite as {self.network.dtype}")
        # Every part is good: now change the trainer.
        self.optimizer = optimizer
        for name, rng in rngs.items():
            setattr(self, f"{name}_rng", rng)
        self.epoch, self.step, self.history, self.best_epoch = epoch, step, history, best_epoch
        if schedule_state is not None:
            self.schedule.load_state_dict(schedule_state)
        if stopping_state is not None:
            self.early_stopping.load_state_dict(stopping_state)
        if best_state is not None:
            self.best_state = best_state
