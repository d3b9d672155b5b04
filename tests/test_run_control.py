"""Stop requests are per run (core/run_control.py): a Stop made before a run's loop has started stops that run, a
request ends with the run that saw it, and `begin_run` drops what was left from before. Stressed from another
thread at every moment of a run's start."""
from __future__ import annotations

import threading
import time

import numpy as np

from core.events import Finished
from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData


def make_trainer(epochs: int = 100_000) -> Trainer:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    config = parse_training({"loss": "binary_crossentropy", "batch_size": 4, "epochs": epochs,
                             "optimizer": {"name": "sgd", "lr": 0.1}})
    network = Network([{"type": "dense", "units": 4, "activation": "tanh"},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}], 2)
    return Trainer(network, TrainingData.from_arrays(X, y, task="binary", n_classes=2), config)


def test_a_stop_made_before_the_loop_starts_stops_that_run_and_ends_with_it():
    trainer = make_trainer(epochs=50)
    trainer.stop()
    end = trainer.fit()
    assert isinstance(end, Finished) and end.reason == "stopped" and trainer.step == 0
    end = trainer.fit(2)                             # the request ended with the run that saw it
    assert end.reason == "completed" and trainer.epoch == 2


def test_begin_run_drops_requests_left_from_before():
    trainer = make_trainer(epochs=3)
    trainer.stop()                                   # e.g. a Stop that arrived as the previous run finished
    trainer.pause()
    trainer.end_after_epoch()
    trainer.begin_run()
    end = trainer.fit()
    assert end.reason == "completed" and trainer.epoch == 3


def test_a_pause_ends_with_its_run():
    trainer = make_trainer(epochs=2)
    trainer.fit(1)
    trainer.pause()                                  # arrives after the run is over
    trainer.end_run()                                # (what the end of the next run does too)
    assert not trainer.paused
    assert trainer.fit().reason == "completed"


def test_a_stop_from_another_thread_is_never_lost_whenever_it_lands():
    """100 runs, each stopped from this thread at a different moment around its start (before the worker thread
    starts, while it starts, just after): every run ends as stopped, at once, never training to its end."""
    trainer = make_trainer()
    for i in range(100):
        ends: list = []
        trainer.begin_run()                          # as the controller does before starting the thread
        worker = threading.Thread(target=lambda: ends.append(trainer.fit()))
        if i % 3 == 0:
            trainer.stop()                           # before the thread even exists
        worker.start()
        if i % 3 == 1:
            trainer.stop()                           # while it starts
        elif i % 3 == 2:
            time.sleep(0.0002 * (i % 7))             # a little later: inside the first batches
            trainer.stop()
        worker.join(timeout=5)
        assert not worker.is_alive(), i
        assert ends[0].reason == "stopped", (i, ends[0])


def test_reset_is_refused_while_a_run_is_in_progress():
    import pytest

    from core.errors import TrainingError
    from core.events import BatchEnd

    trainer = make_trainer()
    run = trainer.run()
    for event in run:
        if isinstance(event, BatchEnd):
            break                                    # the run is suspended between batches: still in progress
    weights = trainer.network.params.copy()
    with pytest.raises(TrainingError, match="stop it before resetting"):
        trainer.reset()
    np.testing.assert_array_equal(trainer.network.params, weights)
    run.close()                                      # the run ends
    assert not trainer.running
    trainer.reset()
    assert trainer.step == 0
