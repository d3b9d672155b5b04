"""The app's hyperparameter search (issue 16): the Search panel (a dock: the parameters and how the search runs),
the Search tab of the dashboard (the trials table and four live plots), and the controller that runs searches off
the GUI thread on core.search (Optuna chooses trials, Dask runs them) and edits the project.

`controller.py` glues them (start here), `runner.py` and `revalidation.py` are the threads, `panel.py` and
`param_dialog.py` edit the project's `search` section, `view.py`, `trials_table.py`, `plots.py` and
`parallel_plot.py` show a search. Neither Optuna nor Dask is imported until a search starts.
"""
