""""Why isn't it learning?": findings about a run, each with its evidence, the course-note sections that explain
it, and fixes as project edits by path.

    from core.diagnosis import diagnose
    for finding in diagnose(project, trainer.history, network=network, data=prepared, status="finished"):
        print(finding.severity, finding.code, finding.message)
        project = apply_edits(project, finding.fixes[0].as_edits())      # core.project_paths

Where it is used: `layerlab diagnose` / `lr-find` and the end of `layerlab train` (core/cli/, through
`headless.py`), the app's Diagnosis tab (gui/diagnosis/, from copies taken by `live.py`); `text.py` words findings
for both. docs/diagnosis.md is the user's reference.

Rules read the per-epoch history (missing keys silence a rule or send it to a probe) and, with `data`, probe a
copy of the network (`probe.py`); thresholds and their sources are in `thresholds.py`. The codes:

| code | severity | evidence (history keys, probes) | fires when (thresholds.py) | course notes |
|---|---|---|---|---|
| output_mismatch | problem / warning | `core.checks.check_model` on the output layer and loss | the task's output activation, loss or width does not match | Introduction to Deep Learning, 'Choice of Activation Function (2/2)'; Activation and Loss Functions, 'Objective Functions for NNs' |
| model_check | warning | `core.checks.check_model` on hidden layers | an activation whose derivative is zero almost everywhere | same |
| lr_too_high | problem (diverged, above the uninformed loss) / warning (rising back, jumping) | `loss`, run status | diverged (status or non-finite loss); final loss > ABOVE_BASELINE (1.5) x uninformed loss (not with L1/L2 penalties, which the logged loss includes); loss rose back >= GIVEN_BACK (25%) of its progress after learning (best <= (1 - LEARNED) x uninformed); median epoch change in the second half > OSCILLATION (10%) of the uninformed loss | Activation, Loss and Optimization, 'Choosing the best learning rate'; Optimization, 'Importance of learning rate' |
| lr_too_low | problem / warning | `loss`, `layers.{i}.update_ratio` | loss fell in >= STEADY_FRACTION (80%) of the epochs and of the last quarter, by < SLOW_PROGRESS (50%) of its first value, and every layer's update ratio < UPDATE_RATIO_HEALTHY (1e-3) when known; problem below BARELY_LEARNING (25%) progress or ratios < UPDATE_RATIO_LOW (1e-4) | Activation, Loss and Optimization, 'Choosing the best learning rate'; Introduction to Deep Learning, 'Practical Guidelines (4/6)' |
| vanishing_gradients | warning / problem | `layers.{i}.grad_norm` (median over epochs), else step-0 probe | first/last dense layer gradient norm < VANISHING_RATIO (1e-2); problem < VANISHING_PROBLEM (1e-3) | Activation, Loss and Optimization, 'Vanishing gradients'; Optimization, 'Activation function: Sigmoid'; Computational Intelligence, 'Vanishing and Exploding Gradients' |
| exploding_gradients | warning / problem | `layers.{i}.grad_norm`, else step-0 probe | first/last ratio > EXPLODING_RATIO (1e2; problem 1e3); or total gradient norm of the last epochs > GRADIENT_GROWTH (1e2) x the first epoch's | Computational Intelligence, 'Vanishing and Exploding Gradients' |
| dead_units | warning / problem, per layer | `layers.{i}.dead` (+ the epoch they died), else the trained network on the training rows | dead / units >= DEAD_FRACTION (40%); problem >= DEAD_PROBLEM (75%); a layer's L1/L2 penalty is named as a cause, a weaker one the first fix | Activation, Loss and Optimization, 'Rectified Linear Unit (ReLU)'; Optimization, 'Activation function: ReLU'; Introduction to Deep Learning, 'Choice of Activation Function (1/2)' |
| saturation | warning / problem, per hidden layer | `layers.{i}.saturation` (last epochs), else the trained network | saturated fraction >= SATURATION_FRACTION (50%); problem >= SATURATION_PROBLEM (90%) | Activation, Loss and Optimization, 'Rectified Linear Unit (ReLU)'; Optimization, 'Weight initialization' |
| bad_initialization | problem | step-0 probe | a layer's units identical (zero/constant init); or a kernel std INIT_SCALE_FACTOR (3x) off the Xavier/He/LeCun std for its activation while hidden outputs grow > ACTIVATION_GROWTH (10x) the inputs' std, shrink < ACTIVATION_COLLAPSE (0.01x) or saturate >= SATURATION_FRACTION | Optimization, 'Weight initialization', 'Xavier initialization', 'He initialization' |
| unscaled_inputs | warning | data.scaling, training inputs | scaling "none" and feature std ratio > UNSCALED_SPREAD_RATIO (10) or a feature RMS > UNSCALED_MAGNITUDE (10) | Optimization, 'Data problem: Scale', 'Data preprocessing' |
| initial_loss | warning | step-0 probe | step-0 loss > INITIAL_LOSS_RATIO (3) x the uninformed loss (ln C, ln 2, mean y^2) | Activation and Loss Functions, 'Categorical Outputs'; Optimization, 'Weight initialization' |
| high_bias | warning / problem | `accuracy` (or `r2`), last FINAL_WINDOW epochs; target error | train error - target > BIAS_THRESHOLD (2.5 points); problem > BIAS_PROBLEM (10) | Computational Intelligence, 'Bias and Variance of the Model', 'Tackling with high bias and variance'; Introduction to Deep Learning, 'Practical Guidelines (1/6)' |
| high_variance | warning / problem | `accuracy`, `val_accuracy` (or `r2`, `val_r2`), `val_loss`; validation size | val error - train error > VARIANCE_THRESHOLD (2.5 points) and > VARIANCE_Z (2) standard errors; problem > VARIANCE_PROBLEM (10) | same; Introduction to Deep Learning, 'Indicators of Overfitting', 'Practical Guidelines (5/6)' |
| high_bias_and_variance | warning / problem | as both | both | same |
| good_fit | info | as both | neither, with a validation split | Computational Intelligence, 'Bias and Variance of the Model' |

Errors are 1 - accuracy, or 1 - R^2 for regression. Findings sort by severity, then causes before symptoms
(`findings.CODES`), then layer. A cause of a problem is a problem: when high bias is a problem, lr_too_low,
vanishing_gradients, dead_units and saturation warnings are raised to problems (`engine.raise_causes`).
"""
from .engine import RULES, diagnose
from .findings import CODES, SEVERITIES, Edit, Finding, Fix, Source, sort_findings

__all__ = ["CODES", "RULES", "SEVERITIES", "Edit", "Finding", "Fix", "Source", "diagnose", "sort_findings"]
