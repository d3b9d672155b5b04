"""Training settings, run controls, and the controller that runs training on a worker thread."""
