"""What a checkpoint keeps of a trainer besides the weights and the optimizer arrays, and putting it back.

A mixin of `Trainer`, kept apart so the training loop reads on its own. It reads and sets the trainer's epoch and
step counts, history, best weights, generators, optimizer, schedule and early stopping.
"""
from __future__ import annotations

import copy

import numpy as np

from .errors import LayerLabError, TrainingError
from .training_setup import new_optimizer


class TrainerCheckpoint:
    """`checkpoint_state` / `checkpoint_arrays` and their inverse `load_checkpoint`."""

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
            optimizer = new_optimizer(self.network, self.config)
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
