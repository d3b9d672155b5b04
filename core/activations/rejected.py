"""Names from the course notes that LayerLab does not offer as activations, each with the reason and the
supported activation to use instead.

`get_activation("maxout")` then fails with that reason and suggestion instead of a bare "unknown activation".
"""
from __future__ import annotations

from .base import ACTIVATIONS

# name: (reason, suggested activation, other spellings)
REJECTED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "maxout": (
        "a maxout unit takes the max over k linear pieces, so it needs k weight sets per unit: it is a layer, "
        "not an elementwise function (with k = 2 it can represent a leaky ReLU)",
        "leaky_relu",
        ("maxout_unit",),
    ),
    "crelu": (
        "concatenated ReLU outputs [relu(z), relu(-z)] and so doubles the layer width (bipolar_relu keeps the "
        "width by alternating relu(z) and -relu(-z) over units)",
        "bipolar_relu",
        ("concatenated_relu", "concatenated_rectified_linear_unit"),
    ),
    "radial_basis_function": (
        "a radial basis unit computes exp(-||x - w||^2) from the distance between the input and its weights, "
        "which needs a distance layer, not a dense one (gaussian applies exp(-z^2) to the dense pre-activation)",
        "gaussian",
        ("radial_basis_functions", "radial_basis", "rbf", "rbf_network"),
    ),
}

for _name, (_reason, _suggest, _aliases) in REJECTED.items():
    ACTIVATIONS.reject(_name, _reason, *_aliases, suggest=_suggest)
