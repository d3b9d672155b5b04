"""A model read from any of LayerLab's model files, ready to predict on raw inputs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..network import Network
from ..project import Project
from .weights_file import WeightsFile


@dataclass(frozen=True)
class LoadedModel:
    network: Network
    preprocessor: Any
    meta: dict
    project: Project
    file: WeightsFile

    def predict_raw(self, X_raw: np.ndarray) -> np.ndarray:
        """Outputs for raw inputs: preprocessing (crosses, scaling) then the network, in evaluation mode."""
        return self.network.predict(self.preprocessor.transform(np.asarray(X_raw, dtype=np.float64)))
