"""A process that ends by ``os._exit`` (the CLI) leaves the store's SQLite connections
to the exit instead of closing them: the write-ahead log is then not checkpointed into
the database (and synced) by the closing command; the next process to open the
database reads it back. Any other process closes them as before.

Each case runs in a fresh interpreter (``process_end`` is process-wide state), on a
real SQLite database.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

WRITE_AND_CLOSE = """
import os, sys
from pathlib import Path
from tektite import process_end
from tektite.store.sqlite import SqliteStore

if sys.argv[2] == "cli":
    process_end.end_by_os_exit()
store = SqliteStore(Path(sys.argv[1]))
for i in range(20):
    store.create(
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": f"c{i}", "namespace": "default"}, "data": {"k": "v"}}
    )
store.close()
wal = Path(sys.argv[1] + "-wal")
print(wal.exists() and wal.stat().st_size > 0)
os._exit(0)
"""

READ = """
import sys
from pathlib import Path
from tektite.store.sqlite import SqliteStore

store = SqliteStore(Path(sys.argv[1]))
print(len(store.list("ConfigMap", "default")))
store.close()
"""


def python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_process_ending_by_os_exit_leaves_the_log_for_the_next_to_read(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "tektite.db")
    assert python(WRITE_AND_CLOSE, db, "cli") == "True"  # the log is still there
    assert python(READ, db) == "20"  # and read back by the next process
    # That process closed normally: its close checkpointed and removed the log.
    assert not Path(db + "-wal").exists()


def test_any_other_process_closes_the_store(tmp_path: Path) -> None:
    db = str(tmp_path / "tektite.db")
    assert python(WRITE_AND_CLOSE, db, "library") == "False"
    assert python(READ, db) == "20"


def test_keep_until_exit_keeps_nothing_in_another_process() -> None:
    code = """
    from tektite import process_end
    process_end.keep_until_exit(object())
    print(len(process_end._kept))
    process_end.end_by_os_exit()
    process_end.keep_until_exit(object())
    print(len(process_end._kept))
    """
    assert python(code).split() == ["0", "1"]
