"""Why isn't it learning? The Diagnosis tab (panel.py) and what feeds it (advisor.py): findings computed off the
GUI thread (jobs.py) from copies of the run, *Show me* (show_me.py), *Apply fix* as undoable edits, and the
learning-rate range test (lr_finder_dialog.py). The diagnosis itself is core's (core/diagnosis/, core/lr_finder.py).
"""
