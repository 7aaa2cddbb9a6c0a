"""Imported before torch by the training entry points.

OpenBLAS reads OPENBLAS_CORETYPE once, when torch loads it. A forced older core
type (Haswell on these AVX-512 machines) slows every matrix product: 4.6
against 2.5 ms for a 512x256 by 256x1024 product on one thread, and about 0.78
against 0.53 s a CTC training step (step_cost.py, alternating runs). So the
variable is dropped here unless EARSHOT_KEEP_OPENBLAS_CORETYPE=1 asks to keep it.
"""
import os
import sys

if os.environ.get("EARSHOT_KEEP_OPENBLAS_CORETYPE") != "1":
    forced = os.environ.pop("OPENBLAS_CORETYPE", None)
    if forced:
        print(f"{os.path.basename(sys.argv[0])}: ignoring OPENBLAS_CORETYPE={forced}, which slows OpenBLAS down "
              "(EARSHOT_KEEP_OPENBLAS_CORETYPE=1 keeps it)", file=sys.stderr)
