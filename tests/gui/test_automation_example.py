"""docs/automation.md's complete example runs as written: it trains, saves, closes and exits with status 0.

The example once hung in `window.close()` (its `setClean()` left the trained-weights flag set, so an unsaved-changes
question nobody could see blocked) and, once past that, crashed at interpreter exit after `dashboard.save_all`.
The test runs the code block from the document itself, in a fresh interpreter, as a user would.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def documented_example() -> str:
    text = (ROOT / "docs" / "automation.md").read_text(encoding="utf-8")
    found = re.search(r"## A complete example\n\n```python\n(.*?)```", text, re.S)
    assert found is not None, "docs/automation.md has no complete example"
    return found.group(1)


def test_the_documented_automation_example_runs_to_completion(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(documented_example(), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))   # not the user's settings
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    epoch, accuracy = done.stdout.split()[-2:]
    assert int(epoch) == 50 and float(accuracy) > 0.8
    assert (tmp_path / "spiral.weights.npz").stat().st_size > 0
    assert (tmp_path / "window.png").stat().st_size > 0
    assert {"lossPlot.png", "decisionBoundaryView.png"} <= {p.name for p in (tmp_path / "plots").iterdir()}


def test_set_clean_also_declares_the_trained_weights_saved(make_window, ui, dialogs):
    window = make_window()
    ui.set_field(window, "training_epochs", "2")
    ui.train(window)
    assert window.document.is_modified() and window.isWindowModified()
    window.document.undo_stack.setClean()
    assert not window.document.is_modified() and not window.isWindowModified()
    assert window.close()
    assert dialogs.of("question") == []
