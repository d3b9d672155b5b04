"""Training settings, run controls, and the controller that runs training on a worker thread; how a run's events
reach the views is described in pipeline.py."""
