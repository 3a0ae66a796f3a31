"""The CLI tests exercise the host runtime: ``tektite run`` would otherwise pick podman
(``--runtime auto``) where it is installed. The podman runtime has its own tests
(``tests/runtime/container``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _host_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEKTITE_RUNTIME", "host")
