"""Every threshold the diagnosis uses, with where its value comes from, and the course-note sections it cites.

Values from the course notes are quoted; the rest are common practice (named) or chosen here, and the comment
says which. Fractions are of units or outputs; errors are fractions (0.025 = 2.5 percentage points).
"""
from __future__ import annotations

from .findings import Source

# --- reading curves ------------------------------------------------------------------------------------------
# "The end of the run" is the mean of the last few epochs, so one noisy epoch neither triggers nor hides a finding.
FINAL_WINDOW = 5
# Fewer epochs than this and the curve rules stay silent: there is no trend to read yet.
MIN_EPOCHS = 3

# --- lr_too_high ---------------------------------------------------------------------------------------------
# A training loss that ends above 1.5x the loss of an uninformed output (uniform probabilities, zero outputs)
# means the network does worse than knowing nothing: the steps overshoot (notes: "too high a learning rate can
# lead to convergence problems"). Chosen here; a stuck-but-stable network sits at about 1x.
ABOVE_BASELINE = 1.5
# Median epoch-to-epoch change of the training loss over the second half of the run, as a fraction of the
# uninformed loss: above 10% the loss jumps rather than settles. Chosen here: converged runs of the examples
# move by under 1% an epoch, the jumping lr_too_high example by 30-70%.
OSCILLATION = 0.10
# The loss rose again and gave back at least a quarter of the progress it had made (chosen here), after it had
# learned something: its best was at least a quarter below the uninformed loss (a run stuck at chance level that
# wobbles gives nothing back).
GIVEN_BACK = 0.25
LEARNED = 0.25

# --- lr_too_low ----------------------------------------------------------------------------------------------
# Share of epochs whose loss fell, over the run and over its last quarter: a steady descent that has not turned
# into the noise of a converged run, where about half the epochs fall (chosen here).
STEADY_FRACTION = 0.8
# The loss has not even halved from its first epoch: slow (chosen here); below a quarter it is barely learning.
SLOW_PROGRESS = 0.5
BARELY_LEARNING = 0.25
# Update-to-weight ratio ||dW|| / ||W|| per step: about 1e-3 is healthy (Karpathy's CS231n notes, "Neural
# Networks Part 3: ratio of weights:updates"); an order of magnitude below it every layer is "far below".
UPDATE_RATIO_HEALTHY = 1e-3
UPDATE_RATIO_LOW = 1e-4

# --- vanishing / exploding gradients --------------------------------------------------------------------------
# Gradient norm of the first layer over that of the last: the notes say gradients vanish "as we increase
# depth" and explode when "big values are multiplied"; two orders of magnitude is a warning, three a problem
# (chosen here: at step 0 the example nets that learn measure 0.03-1.1, the six-layer sigmoid net 6e-5).
VANISHING_RATIO = 1e-2
VANISHING_PROBLEM = 1e-3
EXPLODING_RATIO = 1e2
EXPLODING_PROBLEM = 1e3
# The total gradient norm of the last epochs over that of the first epoch: growing by two orders of magnitude
# during training (chosen here; converging runs shrink it).
GRADIENT_GROWTH = 1e2

# --- dead units ----------------------------------------------------------------------------------------------
# "As much as 40% of your network can be dead" with too high a learning rate (Karpathy's CS231n notes,
# "Neural Networks Part 1: ReLU"): a warning at 40% of a layer's units dead for a whole epoch, a problem at 75%
# (chosen here: most of the layer no longer learns).
DEAD_FRACTION = 0.40
DEAD_PROBLEM = 0.75

# --- saturation ----------------------------------------------------------------------------------------------
# A hidden sigmoid/tanh layer with half its outputs within 1% of a bound (the diagnostics' SATURATION_MARGIN)
# passes almost no gradient for them (the notes: "sigmoid activation units saturate"); 90% is a problem.
# Chosen here. The output layer is not judged: confident predictions saturate it by design.
SATURATION_FRACTION = 0.5
SATURATION_PROBLEM = 0.9

# --- bad initialization --------------------------------------------------------------------------------------
# A kernel whose standard deviation is 3x off the Xavier/He/LeCun scale for its activation (a variance 10x off)
# (chosen here) counts when the step-0 probe shows the consequence: outputs growing 10x over the inputs' scale
# (explode), shrinking below 1/100 of it (collapse, the notes' N(0, 0.01) with tanh) or saturating.
INIT_SCALE_FACTOR = 3.0
ACTIVATION_GROWTH = 10.0
ACTIVATION_COLLAPSE = 0.01

# --- initial loss --------------------------------------------------------------------------------------------
# The loss at step 0 over that of an uninformed output (ln C for softmax over C classes, ln 2 for a sigmoid,
# mean(y^2) for a zero regression output): a well-initialised network starts near 1 (Karpathy, "A Recipe for
# Training Neural Networks": "verify loss @ init"). 3x is a warning, chosen here.
INITIAL_LOSS_RATIO = 3.0

# --- unscaled inputs -----------------------------------------------------------------------------------------
# With scaling off: one feature's spread 10x another's (the notes' height in metres against weight in kg), or a
# feature's root mean square above 10 (far from the unit scale the initialisers assume). Chosen here.
UNSCALED_SPREAD_RATIO = 10.0
UNSCALED_MAGNITUDE = 10.0

# --- bias and variance ---------------------------------------------------------------------------------------
# Avoidable bias = training error - target error; variance = validation error - training error (Computational
# Intelligence notes, 'Bias, Avoidable Bias, and Variance'). Their 'Error Analysis of Models' table calls 2.8%
# of avoidable bias and 4% of variance high, 1% and under low: the threshold sits between, at 2.5 points.
BIAS_THRESHOLD = 0.025
VARIANCE_THRESHOLD = 0.025
# Ten points is a problem, not a warning (the notes' high-bias examples train at 12% error).
BIAS_PROBLEM = 0.10
VARIANCE_PROBLEM = 0.10
# With the validation size known, a gap must also exceed two standard errors of the validation error (binomial),
# so one mistake among 30 iris rows is not called overfitting. Chosen here.
VARIANCE_Z = 2.0
# Default target error: 0 for classification (the issue), and for regression, whose error is 1 - R^2 (the share
# of the target's variance left unexplained), 0.1 (R^2 = 0.9). A project sets its own as training.target_error.
CLASSIFICATION_TARGET_ERROR = 0.0
REGRESSION_TARGET_ERROR = 0.1

# --- fixes ---------------------------------------------------------------------------------------------------
# Learning-rate fixes move by one order of magnitude (Introduction to Deep Learning notes, 'Guidelines for
# Hyperparameter Tuning': "range over orders of magnitude"), by two when the run diverged or ended worse than an
# uninformed output (the example: 1.0 -> 0.01; the lr_too_high example learns at 20 / 100, not 20 / 10).
LR_STEP = 10.0
LR_STEP_FAR = 100.0
# Regularisation fixes use the notes' values: L2 0.001 (their Keras examples), dropout 0.5 (Practical
# Guidelines: "a good starting point"), clipping at norm 1.0 (PyTorch/Keras practice), early stopping patience 20
# (the early_stopping example).
L2_FIX = 0.001
DROPOUT_FIX = 0.5
CLIP_NORM_FIX = 1.0
PATIENCE_FIX = 20
# A bigger network doubles each hidden layer's units, and gives at least this many.
MIN_UNITS_FIX = 16

# --- course-note sections ------------------------------------------------------------------------------------
ALO = "Activation, Loss and Optimization notes"
ALF = "Activation and Loss Functions notes"
OPT = "Optimization notes"
CI = "Computational Intelligence: Optimization and Regularization notes"
IDL = "Introduction to Deep Learning: Optimization and Regularization notes"

LEARNING_RATE = (Source(ALO, "Choosing the best learning rate"), Source(OPT, "Importance of learning rate"))
LEARNING_RATE_LOW = (Source(ALO, "Choosing the best learning rate"), Source(IDL, "Practical Guidelines (4/6)"))
VANISHING = (Source(ALO, "Vanishing gradients"), Source(OPT, "Activation function: Sigmoid"),
             Source(CI, "Vanishing and Exploding Gradients"))
EXPLODING = (Source(CI, "Vanishing and Exploding Gradients"),)
DEAD = (Source(ALO, "Rectified Linear Unit (ReLU)"), Source(OPT, "Activation function: ReLU"),
        Source(IDL, "Choice of Activation Function (1/2)"))
SATURATION = (Source(ALO, "Rectified Linear Unit (ReLU)"), Source(OPT, "Weight initialization"))
INITIALIZATION = (Source(OPT, "Weight initialization"), Source(OPT, "Xavier initialization"),
                  Source(OPT, "He initialization"))
SCALING = (Source(OPT, "Data problem: Scale"), Source(OPT, "Data preprocessing"))
INITIAL_LOSS = (Source(ALF, "Categorical Outputs"), Source(OPT, "Weight initialization"))
BIAS_VARIANCE = (Source(CI, "Bias and Variance of the Model"), Source(CI, "Tackling with high bias and variance"))
UNDERFITTING = (Source(IDL, "Practical Guidelines (1/6)"),)
OVERFITTING = (Source(IDL, "Indicators of Overfitting"), Source(IDL, "Practical Guidelines (5/6)"))
OUTPUT = (Source(IDL, "Choice of Activation Function (2/2)"), Source(ALF, "Objective Functions for NNs"))
