"""Tekton's step wrapper (the ``entrypoint`` binary), in pure standard-library Python.

Run as ``python -m tektite.entrypoint`` or call ``tektite.entrypoint.main.main(argv)``.
It imports nothing else from tektite so it can be frozen into a static executable
and run inside any step image. Module map:

- ``flags``: Go-``flag``-compatible parsing of the wrapper's arguments
- ``subcommands``: ``init``, ``cp``, ``decode-script``, ``step-init``
- ``lifecycle``: the step lifecycle of reference §5.3
- ``waiter``: post-file/breakpoint waits and the cancel-file watch
- ``runner``: the child process (process group, signals, timeout, tee)
- ``substitution``: runtime ``$(steps.<s>.results.<r>)`` and artifact references
- ``when``: step ``when`` expressions and the CEL hook
- ``results`` / ``termination``: result files and the termination message
- ``paths``: the ``/tekton`` root (``$TEKTITE_TEKTON_DIR``)
- ``gostyle``: Go-shaped log lines, quoting, error texts and timestamps
"""
