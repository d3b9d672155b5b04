"""LayerLab's model files read back: the weights file (.npz, which also stores checkpoints), and the JSON and
safetensors exports, all into one `LoadedModel`.

    model = load_model("spiral.weights.npz")      # or .json / .safetensors
    model.predict_raw(X_raw)

Writing exports is core.export's job; writing a project's weights file is core.model_io's.
"""
from .loading import load_model
from .model import LoadedModel
from .weights_file import WeightsFile, load_weights, save_weights, weights_writer

__all__ = ["LoadedModel", "WeightsFile", "load_model", "load_weights", "save_weights", "weights_writer"]
