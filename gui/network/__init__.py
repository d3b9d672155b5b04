"""The network builder: the layer list, the layer editor and the problems found before training."""
