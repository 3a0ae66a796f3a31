"""``python -m tektite.entrypoint [flags] -- command args...``: Tekton's step wrapper."""

from __future__ import annotations

import sys

from tektite.entrypoint.main import main


def _run() -> None:
    # Python turns SIGINT into KeyboardInterrupt; Go (and so Tekton's entrypoint)
    # simply dies from it. ``_signal`` avoids the slow-to-import ``signal`` module.
    signals = __import__("_signal")
    signals.signal(signals.SIGINT, signals.SIG_DFL)
    raise SystemExit(main(sys.argv[1:]))


if __name__ == "__main__":
    _run()
