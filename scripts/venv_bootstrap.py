"""Re-runs the calling script inside the project's pinned Python environment.

scripts/make-examples and scripts/gen-node-tests need exact onnx, onnxruntime and numpy
versions (scripts/requirements-test.txt): their output is committed or compared against, so a
different onnx on the system must not be picked up by accident. `reexec_in_venv()` asks
scripts/python-env for the environment (creating it on first use) and replaces the current
process with the same script run by that environment's interpreter.
"""

import os
import subprocess
import sys

SCRIPTS = os.path.dirname(os.path.abspath(__file__))


def reexec_in_venv() -> None:
    if os.environ.get("OPTCTL_IN_VENV") == os.path.realpath(sys.prefix):
        return
    venv = subprocess.run(
        [os.path.join(SCRIPTS, "python-env")], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip()
    python = os.path.join(venv, "bin", "python")
    env = dict(os.environ, OPTCTL_IN_VENV=os.path.realpath(venv))
    # sys.prefix of a venv interpreter is the venv folder; the marker stops a second re-exec.
    os.execve(python, [python, os.path.abspath(sys.argv[0]), *sys.argv[1:]], env)
