"""``SqliteStore``: the embedded Store, one SQLite file in WAL mode.

Several processes may share the file (the CLI, a controller, a server): every write is
one short ``BEGIN IMMEDIATE`` transaction, readers never block writers (WAL), and each
thread of each process has its own connection. Every change gets the next store-wide
``resourceVersion`` and one row in ``events``, both inside the write transaction, so
versions are monotonic and gap-free across processes.

Tables: ``objects`` (one row per object: its key, creation order, its labels alone for
selector filtering, the whole object as JSON), ``owners`` (owner uid → dependent, for
cascading deletes), ``events`` (one row per change keyed by resourceVersion: what
watches read, from any process; old rows are trimmed) and ``meta`` (the trimmed
horizon, behind ``Expired``).

Watches poll ``events``; ``PRAGMA data_version`` tells cheaply whether another
connection wrote, and an in-process notifier wakes same-process watchers at once.
"""

from __future__ import annotations

import builtins
import collections
import contextlib
import functools
import gc
import operator
import os
import secrets
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from tektite import process_end
from tektite.api.k8s_names import field_invalid
from tektite.api.object_meta import object_meta_errors
from tektite.store.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    Invalid,
    NotFound,
    Unavailable,
)
from tektite.store.protocol import (
    DEFAULT_NAMESPACE,
    EventType,
    Object,
    WatchEvent,
    is_namespaced,
    qualified_kind,
    qualified_resource,
)
from tektite.store.selectors import Selector, parse

if TYPE_CHECKING:
    import asyncio

__all__ = ["SqliteStore"]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('trimmed', 0)",
    # id is the resourceVersion the object was created at: creation order for lists.
    """CREATE TABLE IF NOT EXISTS objects (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        uid TEXT NOT NULL,
        rv INTEGER NOT NULL,
        labels BLOB,
        body BLOB NOT NULL)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS objects_key ON objects (kind, namespace, name)",
    """CREATE TABLE IF NOT EXISTS owners (
        owner_uid TEXT NOT NULL,
        child INTEGER NOT NULL,
        PRIMARY KEY (owner_uid, child)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS owners_child ON owners (child)",
    """CREATE TABLE IF NOT EXISTS events (
        rv INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        body BLOB NOT NULL)""",
)

# The API server's ObjectMeta field order, so stored objects read like kubectl's output.
_META_ORDER = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
_USER_META = ("labels", "annotations", "ownerReferences", "finalizers")
_NOT_SPEC = frozenset({"apiVersion", "kind", "metadata", "status"})
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' utilrand alphabet
_GENERATE_TRIES = 8  # the API server retries a taken generated name 7 more times
_WATCH_BATCH = 1000
_RECENT_EVENTS = 512
"""Decoded changes kept for the process's other watchers: they are woken by the same
commit, so they read the same changes within a moment of each other."""

_encode = msgspec.json.Encoder().encode
_decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_decode_labels = msgspec.json.Decoder(dict[str, str]).decode


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while decoding many objects at once.

    Decoded objects are acyclic trees, yet allocating a million containers triggers
    collections that only rescan them: listing 10,000 TaskRuns is about twice as fast
    without. Never leaves the collector off: whoever paused it turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with seconds, as ``metav1.Time`` serialises (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="seconds") + "Z"  # isoformat: far cheaper than strftime


def _generate_name(base: str) -> str:
    """``SimpleNameGenerator``: base cut to 58 characters plus 5 random ones."""
    return base[:58] + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(5))


def _parse_rv(text: str) -> int:
    """A resourceVersion as an int; Kubernetes' wording when it is not one."""
    if text.isascii() and text.isdigit():
        return int(text)
    detail = f'strconv.ParseUint: parsing "{text}": invalid syntax'
    raise BadRequest(field_invalid("resourceVersion", text, detail))


# -- metadata rules (the API server's create/update strategy for any kind) ----------


def _ordered(obj: Object, meta: dict[str, Any]) -> Object:
    """``obj`` with ``apiVersion``, ``kind``, ``metadata`` first and ``status`` last."""
    ordered_meta = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered_meta.update((k, v) for k, v in meta.items() if k not in ordered_meta)
    out: Object = {"apiVersion": obj.get("apiVersion", ""), "kind": obj["kind"]}
    out["metadata"] = ordered_meta
    out.update((k, v) for k, v in obj.items() if k not in _NOT_SPEC)
    if "status" in obj:
        out["status"] = obj["status"]
    return out


def _spec_part(obj: Object) -> dict[str, Any]:
    """What ``generation`` tracks: everything but type, metadata and status."""
    return {k: v for k, v in obj.items() if k not in _NOT_SPEC}


def _owner_uids(meta: dict[str, Any]) -> set[str]:
    refs = meta.get("ownerReferences") or []
    return {r["uid"] for r in refs if isinstance(r, dict) and r.get("uid")}


def _check_types(obj: Object) -> tuple[str, dict[str, Any]]:
    """The object's kind and metadata; ``BadRequest`` for what JSON decoding into
    ``ObjectMeta`` would refuse."""
    if not isinstance(obj, dict):
        raise BadRequest("object must be a JSON object")
    kind = obj.get("kind")
    if not kind or not isinstance(kind, str):
        raise BadRequest("Object 'Kind' is missing in object")
    if not obj.get("apiVersion"):
        raise BadRequest("Object 'apiVersion' is missing in object")
    meta = obj.get("metadata") or {}
    if not isinstance(meta, dict):
        raise BadRequest("metadata must be a JSON object")
    for field in ("name", "generateName", "namespace"):
        if not isinstance(meta.get(field) or "", str):
            raise BadRequest(f"metadata.{field} must be a string")
    for field in ("labels", "annotations"):
        value = meta.get(field) or {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise BadRequest(f"metadata.{field} must map strings to strings")
    for field in ("ownerReferences", "finalizers"):
        if not isinstance(meta.get(field) or [], list):
            raise BadRequest(f"metadata.{field} must be a list")
    if not all(isinstance(r, dict) for r in meta.get("ownerReferences") or []):
        raise BadRequest("metadata.ownerReferences must be a list of objects")
    return kind, meta


# -- same-process wake-ups ------------------------------------------------------------


class _Notifier:
    """Wakes this process's watchers of one database file right after a commit.

    Watchers may run on any event loop in any thread, so each registers its loop and
    an ``asyncio.Event`` and writers set it through ``call_soon_threadsafe``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def add(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        import asyncio  # imported when first needed: most CLI commands never watch

        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(entry)
        return entry

    def remove(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters.discard(entry)

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        if not waiters:
            return
        import asyncio

        try:
            here: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            here = None  # a writer outside any loop
        for loop, event in waiters:
            if loop is here:
                # The writer runs on the watcher's own loop (the embedded controller):
                # set it now, without a wake-up through the loop's self-pipe.
                event.set()
                continue
            with contextlib.suppress(RuntimeError):  # that loop is closed
                loop.call_soon_threadsafe(event.set)


_NOTIFIERS: dict[str, _Notifier] = {}
_INHERITED: list[sqlite3.Connection] = []
_NOTIFIERS_LOCK = threading.Lock()


def _notifier_for(path: Path) -> _Notifier:
    key = os.path.realpath(path)
    with _NOTIFIERS_LOCK:
        return _NOTIFIERS.setdefault(key, _Notifier())


_PID = os.getpid()
"""This process's pid, kept up to date across forks: every store call checks that its
connection is this process's, and ``os.getpid`` is a system call each time."""


def _after_fork_in_child() -> None:
    global _PID
    _PID = os.getpid()
    # A forked child must not poke its parent's event loops (their wake-up pipes are
    # shared with the parent after fork).
    _NOTIFIERS.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


# -- the store -------------------------------------------------------------------------


_NAMES_PER_QUERY = 500
"""Names bound in one ``IN (...)`` (SQLite allows 32,766 variables since 3.32, 999
before)."""


def _current_rv(conn: sqlite3.Connection) -> int:
    """The latest resourceVersion: every change has exactly one event and trimming
    always keeps the newest, so the events table's last key is the counter (reading it
    costs no page write, unlike a counter row)."""
    (rv,) = conn.execute("SELECT coalesce(max(rv), 0) FROM events").fetchone()
    return int(rv)


class _Txn:
    """One write transaction: allocates resourceVersions and records events.

    Every resourceVersion handed out must get its event before commit.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.first_rv = 0
        self.last_rv = 0

    def next_rv(self) -> int:
        # Safe across processes: BEGIN IMMEDIATE holds the write lock until commit.
        rv = (self.last_rv or _current_rv(self.conn)) + 1
        self.first_rv = self.first_rv or rv
        self.last_rv = rv
        return rv

    def event(self, type_: EventType, rv: int, kind: str, namespace: str, body: bytes) -> None:
        self.conn.execute(
            "INSERT INTO events (rv, type, kind, namespace, body) VALUES (?, ?, ?, ?, ?)",
            (rv, type_, kind, namespace, body),
        )


class SqliteStore:
    """The embedded Store (see ``tektite.store.protocol.Store`` for the semantics).

    ``clock`` stamps ``creationTimestamp``/``deletionTimestamp`` (inject a fixed one in
    tests). The last ``event_retention`` changes are kept for watches; a watch from
    further back raises ``Expired``. ``poll_interval`` is how often a watch checks for
    writes by other processes.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        event_retention: int = 10_000,
        poll_interval: float = 0.1,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._retention = max(1, event_retention)
        self._trim_every = max(1, min(1000, self._retention // 10))
        self._poll_interval = poll_interval
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._epoch = 0
        self._pid = _PID
        self._notifier = _notifier_for(self.path)
        self._recent_events: dict[int, WatchEvent] = {}
        """The last changes as decoded for a watch, by resourceVersion: the process's
        watchers (the controller, retention, ``tektite run``'s wait) read the same
        changes, each decoded once (``_RECENT_EVENTS`` of them kept)."""
        self._recent_lock = threading.Lock()
        try:
            self._create_file()
            with self._write() as txn:
                for statement in _SCHEMA:
                    txn.conn.execute(statement)
        except OSError as e:
            raise Unavailable(f"cannot open the store {self.path}: {e.strerror or e}") from None
        except sqlite3.DatabaseError as e:  # not a database, or damaged beyond reading
            raise Unavailable(f"cannot open the store {self.path}: {e}") from None

    @staticmethod
    def default_path() -> Path:
        """``$TEKTITE_HOME/tektite.db``, else ``tektite/tektite.db`` in the XDG data
        directory (``$XDG_DATA_HOME`` or ``~/.local/share``)."""
        home = os.environ.get("TEKTITE_HOME")
        if home:
            return Path(home) / "tektite.db"
        data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(data) / "tektite" / "tektite.db"

    # -- connections --------------------------------------------------------------

    def _create_file(self) -> None:
        # The database holds Secrets: owner-only from the first byte (SQLite gives the
        # -wal and -shm files the same mode as the database file).
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (and again after fork/close)."""
        local = self._local
        if getattr(local, "key", None) == (_PID, self._epoch):
            conn: sqlite3.Connection = local.conn
            return conn
        if self._pid != _PID:
            self._after_fork()
        conn = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives any process crash; only an OS crash or power loss
        # can lose the last commits, and it makes each commit several times cheaper.
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.create_function(
            "tektite_selected", 1, functools.partial(_selected, local), deterministic=True
        )
        local.conn, local.key = conn, (_PID, self._epoch)
        with self._conns_lock:
            self._conns.append(conn)
        return conn

    def _after_fork(self) -> None:
        """In a forked child: never touch, nor let Python close, the parent's
        connections (SQLite forbids using a connection across fork; closing one could
        disturb the parent's locks), so park them for the life of the process."""
        with self._conns_lock:
            _INHERITED.extend(self._conns)
            self._conns = []
            self._pid = _PID

    def close(self) -> None:
        """Close every connection this store opened; call it when no thread uses the
        store any more (a later call opens new connections). In a process that ends by
        ``os._exit`` (``process_end``) they are left open to it instead: closing the
        last one would checkpoint the log into the database and sync it to disk."""
        with self._conns_lock:
            conns, self._conns = self._conns, []
            self._epoch += 1
        if process_end.ends_by_os_exit():
            process_end.keep_until_exit(conns)
            return
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """This thread's writes in the block as one transaction; see ``Store.batch``."""
        if getattr(self._local, "batch", None) is not None:
            yield  # already in one: the outermost commits
            return
        with self._write() as txn:
            self._local.batch = txn
            try:
                yield
            finally:
                self._local.batch = None

    @contextlib.contextmanager
    def _write(self) -> Iterator[_Txn]:
        """A short ``BEGIN IMMEDIATE`` transaction: the write lock is taken up front, so
        concurrent writers queue on the busy timeout instead of failing mid-way. In a
        ``batch``, a savepoint of its transaction instead: a write that fails leaves
        the batch's others as they were."""
        conn = self._conn()
        outer: _Txn | None = getattr(self._local, "batch", None)
        if outer is not None and outer.conn is conn:
            handed_out = (outer.first_rv, outer.last_rv)
            conn.execute("SAVEPOINT tektite_write")
            try:
                yield outer
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO tektite_write")
                    conn.execute("RELEASE tektite_write")
                outer.first_rv, outer.last_rv = handed_out  # none of them got its event
                raise
            conn.execute("RELEASE tektite_write")
            return
        conn.execute("BEGIN IMMEDIATE")
        txn = _Txn(conn)
        try:
            yield txn
            if txn.last_rv:
                self._trim(txn)
            conn.execute("COMMIT")
        except BaseException:
            # SQLite itself rolls back on some errors (disk full, I/O); don't mask them.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if txn.last_rv:
            self._notifier.notify()

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several statements see one snapshot (in a ``batch``, its
        transaction's)."""
        conn = self._conn()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def _trim(self, txn: _Txn) -> None:
        """Drop events older than the retention, every ``_trim_every`` changes."""
        if txn.last_rv // self._trim_every == (txn.first_rv - 1) // self._trim_every:
            return
        horizon = txn.last_rv - self._retention
        if horizon > 0:
            txn.conn.execute("DELETE FROM events WHERE rv <= ?", (horizon,))
            txn.conn.execute(
                "UPDATE meta SET value = max(value, ?) WHERE key = 'trimmed'", (horizon,)
            )

    # -- keys -----------------------------------------------------------------------

    @staticmethod
    def _namespace(kind: str, namespace: str | None) -> str:
        if not is_namespaced(kind):
            return ""
        if not namespace:
            raise BadRequest(f"a namespace is required for namespaced kind {kind}")
        return namespace

    @staticmethod
    def _key_of(obj: Object) -> tuple[str, str, str, dict[str, Any]]:
        """kind, namespace and name of an object given to update/update_status."""
        kind, meta = _check_types(obj)
        namespace = (meta.get("namespace") or DEFAULT_NAMESPACE) if is_namespaced(kind) else ""
        name = meta.get("name") or ""
        if not name:
            raise BadRequest("resource name may not be empty")
        return kind, namespace, name, meta

    # -- create ---------------------------------------------------------------------

    def create(self, obj: Object) -> Object:
        """Store a new object; see ``Store.create``."""
        kind, _ = _check_types(obj)
        body = _decode_object(_encode(obj))  # a deep copy the caller cannot reach
        meta: dict[str, Any] = dict(body.get("metadata") or {})
        if meta.get("resourceVersion"):
            raise BadRequest("resourceVersion should not be set on objects to be created")
        namespaced = is_namespaced(kind)
        if namespaced:
            meta["namespace"] = meta.get("namespace") or DEFAULT_NAMESPACE
        else:
            meta.pop("namespace", None)
        generate = meta.get("generateName") or ""
        if not meta.get("name") and generate:
            meta["name"] = _generate_name(generate)
        for field in ("uid", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            meta.pop(field, None)
        for field in _USER_META:
            if not meta.get(field):
                meta.pop(field, None)
        api_version = str(body["apiVersion"])
        errs = object_meta_errors(kind, meta, namespaced)
        if errs:
            raise Invalid.of(qualified_kind(api_version, kind), meta.get("name") or "", errs)
        body.pop("status", None)  # a status subresource: create cannot set status
        namespace = meta.get("namespace", "")
        with self._write() as txn:
            rv = txn.next_rv()
            meta["uid"] = str(uuid.uuid4())
            meta["resourceVersion"] = str(rv)
            meta["generation"] = 1
            meta["creationTimestamp"] = _timestamp(self._clock())
            for attempt in range(_GENERATE_TRIES if generate else 1):
                if attempt:
                    meta["name"] = _generate_name(generate)
                stored = _ordered(body, meta)
                data = _encode(stored)
                try:
                    txn.conn.execute(
                        "INSERT INTO objects (id, kind, namespace, name, uid, rv, labels, body)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (rv, kind, namespace, meta["name"], meta["uid"], rv, _labels(meta), data),
                    )
                    break
                except sqlite3.IntegrityError:
                    continue
            else:
                raise AlreadyExists.of(qualified_resource(api_version, kind), meta["name"])
            uids = _owner_uids(meta)
            if uids:
                self._set_owners(txn, rv, uids)
            txn.event("ADDED", rv, kind, namespace, data)
        return stored

    @staticmethod
    def _set_owners(txn: _Txn, child: int, uids: Collection[str]) -> None:
        txn.conn.execute("DELETE FROM owners WHERE child = ?", (child,))
        txn.conn.executemany(
            "INSERT INTO owners (owner_uid, child) VALUES (?, ?)", ((u, child) for u in uids)
        )

    # -- reads ----------------------------------------------------------------------

    def get(self, kind: str, namespace: str | None, name: str) -> Object | None:
        """The object, or None; see ``Store.get``."""
        row = (
            self._conn()
            .execute(
                "SELECT body FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                (kind, self._namespace(kind, namespace), name),
            )
            .fetchone()
        )
        return None if row is None else _decode_object(row[0])

    def get_many(
        self, kind: str, namespace: str | None, names: Collection[str]
    ) -> dict[str, Object]:
        """The existing objects among ``names``, by name; see ``Store.get_many``."""
        ns = self._namespace(kind, namespace)
        wanted = builtins.list(dict.fromkeys(names))
        rows: builtins.list[tuple[str, bytes]] = []
        with self._read() as conn:
            for start in range(0, len(wanted), _NAMES_PER_QUERY):
                chunk = wanted[start : start + _NAMES_PER_QUERY]
                rows += conn.execute(
                    "SELECT name, body FROM objects WHERE kind = ? AND namespace = ?"
                    f" AND name IN ({','.join('?' * len(chunk))})",
                    (kind, ns, *chunk),
                ).fetchall()
        with _gc_paused():
            return {name: _decode_object(body) for name, body in rows}

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | Selector | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> builtins.list[Object]:
        """Objects of ``kind`` in creation order; see ``Store.list``."""
        bodies = self.list_json(
            kind, namespace, label_selector=label_selector, limit=limit, newest_first=newest_first
        )
        with _gc_paused():
            return [_decode_object(body) for body in bodies]

    def list_json(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | Selector | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> builtins.list[bytes]:
        """What ``list`` returns, as each object's stored JSON: for readers that
        decode only the fields they need (``tektite pr list`` over 10,000 runs)."""
        selector = parse(label_selector) if isinstance(label_selector, str) else label_selector
        if selector is not None and selector.empty():
            selector = None
        sql = "SELECT id, body FROM objects WHERE kind = ?"
        args: builtins.list[object] = [kind]
        if namespace is not None and is_namespaced(kind):
            sql += " AND namespace = ?"
            args.append(namespace)
        conn = self._conn()
        if selector is not None:
            # Filtered inside SQLite, so rejected rows' bodies are never read.
            sql += " AND tektite_selected(labels)"
            self._local.selector = selector
        if limit is not None:
            # A bounded top-N sort: only ``limit`` rows are kept while sorting.
            sql += " ORDER BY id DESC LIMIT ?" if newest_first else " ORDER BY id LIMIT ?"
            args.append(limit)
        rows = conn.execute(sql, args).fetchall()
        if limit is None:
            # Sorted here: SQLite would copy every body into its sorter first.
            rows.sort(key=operator.itemgetter(0), reverse=newest_first)
        return [body for _, body in rows]

    def resource_version(self) -> str:
        """The resourceVersion of the latest change ("0" for an empty store)."""
        return str(_current_rv(self._conn()))

    # -- updates --------------------------------------------------------------------

    def _load_for_write(
        self, txn: _Txn, kind: str, namespace: str, name: str, meta: dict[str, Any], obj: Object
    ) -> tuple[int, Object]:
        """The stored row's id and object; ``NotFound``/``Conflict`` as the server."""
        row = txn.conn.execute(
            "SELECT id, rv, body FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
            (kind, namespace, name),
        ).fetchone()
        resource = qualified_resource(str(obj.get("apiVersion", "")), kind)
        if row is None:
            raise NotFound.of(resource, name)
        wanted = meta.get("resourceVersion")
        if wanted and str(wanted) != str(row[1]):
            raise Conflict.of(resource, name)
        return int(row[0]), _decode_object(row[2])

    def update(self, obj: Object) -> Object:
        """Replace metadata and spec, not status; see ``Store.update``."""
        with self._write() as txn:
            return self._update(txn, obj, None)

    def update_status(self, obj: Object) -> Object:
        """Replace only ``status``; see ``Store.update_status``."""
        kind, namespace, name, meta = self._key_of(obj)
        status = _copied_status(obj)
        with self._write() as txn:
            row_id, old = self._load_for_write(txn, kind, namespace, name, meta, obj)
            if old.get("status") == status:
                return old
            merged = {k: v for k, v in old.items() if k != "status"}
            if status is not None:
                merged["status"] = status
            self._save(txn, row_id, merged, old["metadata"])
        return merged

    def update_with_status(self, obj: Object) -> Object:
        """``update`` and ``update_status`` as one write; see ``Store.update_with_status``."""
        with self._write() as txn:
            return self._update(txn, obj, (_copied_status(obj),))

    def _update(self, txn: _Txn, obj: Object, status: tuple[Any] | None) -> Object:
        """``update`` within ``txn``; with ``status`` (a 1-tuple: None is no status),
        that status replaces the stored one in the same write."""
        kind, namespace, name, meta = self._key_of(obj)
        new = _decode_object(_encode(obj))
        new_meta: dict[str, Any] = new.get("metadata") or {}
        row_id, old = self._load_for_write(txn, kind, namespace, name, meta, obj)
        old_meta: dict[str, Any] = old["metadata"]
        merged_meta = dict(old_meta)
        for field in _USER_META:
            if new_meta.get(field):
                merged_meta[field] = new_meta[field]
            else:
                merged_meta.pop(field, None)
        api_version = str(new.get("apiVersion") or old["apiVersion"])
        qkind = qualified_kind(api_version, kind)
        errs = object_meta_errors(kind, merged_meta, is_namespaced(kind))
        if old_meta.get("deletionTimestamp"):
            added = [
                f
                for f in merged_meta.get("finalizers", [])
                if f not in old_meta.get("finalizers", [])
            ]
            if added:
                shown = ", ".join(f'"{f}"' for f in added)
                errs.append(
                    "metadata.finalizers: Forbidden: no new finalizers can be added if the"
                    f" object is being deleted, found new finalizers []string{{{shown}}}"
                )
        if errs:
            raise Invalid.of(qkind, name, errs)
        merged = dict(new, apiVersion=api_version, kind=kind)
        merged.pop("status", None)
        if status is None:
            if "status" in old:
                merged["status"] = old["status"]
        elif status[0] is not None:
            merged["status"] = status[0]
        if _spec_part(merged) != _spec_part(old):
            merged_meta["generation"] = int(old_meta.get("generation", 0)) + 1
        merged = _ordered(merged, merged_meta)
        if merged == old:
            return old
        if old_meta.get("deletionTimestamp") and not merged_meta.get("finalizers"):
            return self._remove(txn, row_id, merged)
        self._save(txn, row_id, merged, old_meta)
        return merged

    def _save(self, txn: _Txn, row_id: int, obj: Object, old_meta: dict[str, Any]) -> None:
        """Write a changed object under a new resourceVersion, with its event."""
        meta = obj["metadata"]
        rv = txn.next_rv()
        meta["resourceVersion"] = str(rv)
        data = _encode(obj)
        txn.conn.execute(
            "UPDATE objects SET rv = ?, labels = ?, body = ? WHERE id = ?",
            (rv, _labels(meta), data, row_id),
        )
        uids = _owner_uids(meta)
        if uids != _owner_uids(old_meta):
            self._set_owners(txn, row_id, uids)
        txn.event("MODIFIED", rv, obj["kind"], meta.get("namespace", ""), data)

    # -- deletes --------------------------------------------------------------------

    def delete(self, kind: str, namespace: str | None, name: str) -> Object | None:
        """Delete with background propagation to dependents; see ``Store.delete``."""
        ns = self._namespace(kind, namespace)
        with self._write() as txn:
            row = txn.conn.execute(
                "SELECT id, body FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                (kind, ns, name),
            ).fetchone()
            if row is None:
                return None
            return self._delete_row(txn, int(row[0]), _decode_object(row[1]))

    def _delete_row(self, txn: _Txn, row_id: int, obj: Object) -> Object:
        """Remove ``obj`` and collect its dependents, or only mark it terminating while
        it has finalizers."""
        if not obj["metadata"].get("finalizers"):
            return self._remove(txn, row_id, obj)
        return self._mark_deleting(txn, row_id, obj)

    def _mark_deleting(self, txn: _Txn, row_id: int, obj: Object) -> Object:
        """Stamp ``deletionTimestamp`` (once); the object stays until its finalizers go."""
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return obj
        # As the API server: a graceful delete bumps generation and stamps the time.
        meta["deletionTimestamp"] = _timestamp(self._clock())
        meta["deletionGracePeriodSeconds"] = 0
        meta["generation"] = int(meta.get("generation", 0)) + 1
        obj = _ordered(obj, meta)
        self._save(txn, row_id, obj, meta)
        return obj

    def _remove(self, txn: _Txn, row_id: int, obj: Object) -> Object:
        """Remove the row, then, breadth first (owners' events before their
        dependents'), every dependent whose owners are all gone."""
        self._remove_row(txn, row_id, obj)
        pending = collections.deque([str(obj["metadata"]["uid"])])
        while pending:
            owner = pending.popleft()
            children = txn.conn.execute(
                "SELECT o.id, o.body FROM owners JOIN objects o ON o.id = owners.child"
                " WHERE owners.owner_uid = ? ORDER BY o.id",
                (owner,),
            ).fetchall()
            txn.conn.execute("DELETE FROM owners WHERE owner_uid = ?", (owner,))
            for child_id, child_body in children:
                self._collect(txn, int(child_id), _decode_object(child_body), pending)
        return obj

    def _remove_row(self, txn: _Txn, row_id: int, obj: Object) -> None:
        """Delete one row and record its ``DELETED`` event at a new resourceVersion."""
        meta = obj["metadata"]
        rv = txn.next_rv()
        meta["resourceVersion"] = str(rv)
        txn.conn.execute("DELETE FROM objects WHERE id = ?", (row_id,))
        txn.conn.execute("DELETE FROM owners WHERE child = ?", (row_id,))
        txn.event("DELETED", rv, obj["kind"], meta.get("namespace", ""), _encode(obj))

    def _collect(
        self, txn: _Txn, row_id: int, child: Object, pending: collections.deque[str]
    ) -> None:
        """The garbage collector's decision for one dependent of a removed owner."""
        meta = child["metadata"]
        refs = meta.get("ownerReferences") or []
        namespace = meta.get("namespace", "")
        live = [r for r in refs if self._owner_alive(txn, r, namespace)]
        if live:
            # Other owners remain: keep the object, drop the dangling references.
            old_meta = dict(meta)
            meta["ownerReferences"] = live
            self._save(txn, row_id, child, old_meta)
        elif meta.get("finalizers"):
            self._mark_deleting(txn, row_id, child)
        else:
            self._remove_row(txn, row_id, child)
            pending.append(str(meta["uid"]))

    @staticmethod
    def _owner_alive(txn: _Txn, ref: dict[str, Any], namespace: str) -> bool:
        """Whether the owner a reference names exists, looked up as the garbage
        collector does: by kind and name in the dependent's namespace, uid compared."""
        kind = str(ref.get("kind") or "")
        row = txn.conn.execute(
            "SELECT uid FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
            (kind, namespace if is_namespaced(kind) else "", str(ref.get("name") or "")),
        ).fetchone()
        return row is not None and row[0] == ref.get("uid")

    # -- watch ----------------------------------------------------------------------

    def _events_after(
        self,
        since: int,
        kinds: Collection[str] | None,
        namespace: str | None,
        limit: int | None,
    ) -> tuple[builtins.list[WatchEvent], int]:
        """Matching events after ``since`` and the resourceVersion read up to."""
        sql = "SELECT rv, type, body FROM events WHERE rv > ?"
        args: builtins.list[object] = [since]
        if kinds is not None:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            args.extend(kinds)
        if namespace is not None:
            sql += " AND namespace IN (?, '')"
            args.append(namespace)
        sql += " ORDER BY rv"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._read() as conn:
            trimmed = _meta_value(conn, "trimmed")
            current = _current_rv(conn)
            if since < trimmed:
                raise Expired.of(since, trimmed)
            rows = conn.execute(sql, args).fetchall()
        events = self._decoded_events(rows)
        if limit is not None and len(rows) == limit:
            current = int(rows[-1][0])
        return events, current

    def _decoded_events(
        self, rows: builtins.list[tuple[int, EventType, bytes]]
    ) -> builtins.list[WatchEvent]:
        """The events of ``rows`` (rv, type, body), each decoded once for all watchers
        (``_recent_events``)."""
        events: builtins.list[WatchEvent] = []
        with self._recent_lock, _gc_paused():
            recent = self._recent_events
            for rv, type_, body in rows:
                event = recent.get(rv)
                if event is None:
                    event = recent[rv] = WatchEvent(type_, _decode_object(body), str(rv))
                events.append(event)
            for _ in range(len(recent) - _RECENT_EVENTS):
                del recent[next(iter(recent))]  # the oldest first (insertion order)
        return events

    def events_since(
        self, resource_version: str, kinds: Collection[str] | None = None
    ) -> builtins.list[WatchEvent]:
        """Changes after ``resource_version``, oldest first; see ``Store.events_since``."""
        kind_list = None if kinds is None else builtins.list(kinds)
        return self._events_after(_parse_rv(resource_version), kind_list, None, None)[0]

    def _snapshot(
        self, kinds: Collection[str] | None, namespace: str | None
    ) -> tuple[int, builtins.list[Object]]:
        """Every matching object and the resourceVersion they were read at."""
        sql = "SELECT body FROM objects"
        clauses: builtins.list[str] = []
        args: builtins.list[object] = []
        if kinds is not None:
            clauses.append(f"kind IN ({','.join('?' * len(kinds))})")
            args.extend(kinds)
        if namespace is not None:
            clauses.append("namespace IN (?, '')")
            args.append(namespace)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        with self._read() as conn:
            rv = _current_rv(conn)
            bodies = conn.execute(sql + " ORDER BY id", args).fetchall()
        with _gc_paused():
            return rv, [_decode_object(b) for (b,) in bodies]

    async def watch(
        self,
        kinds: Collection[str] | None,
        since: str | None = None,
        *,
        namespace: str | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Follow changes; see ``Store.watch``. Synthetic ``ADDED`` events carry the
        snapshot's resourceVersion, so resuming from any event's version is safe."""
        import asyncio  # imported when first needed: most CLI commands never watch

        kind_list = None if kinds is None else builtins.list(kinds)
        entry = self._notifier.add()
        wake = entry[1]
        try:
            if since in (None, "", "0"):
                rv, objects = self._snapshot(kind_list, namespace)
                for obj in objects:
                    yield WatchEvent("ADDED", obj, str(rv))
            else:
                rv = _parse_rv(str(since))
            while True:
                wake.clear()  # before reading, so a commit during the read is not missed
                version = self._data_version()
                events, rv = self._events_after(rv, kind_list, namespace, _WATCH_BATCH)
                for event in events:
                    yield event
                if events:
                    continue
                seen_version = version
                while True:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), self._poll_interval)
                        _raise_if_cancelling()
                        break
                    _raise_if_cancelling()
                    if self._data_version() != seen_version:
                        break
        finally:
            self._notifier.remove(entry)

    def _data_version(self) -> int:
        """Changes whenever another connection commits (``PRAGMA data_version``)."""
        (version,) = self._conn().execute("PRAGMA data_version").fetchone()
        return int(version)


def _copied_status(obj: Object) -> Any:
    """``obj``'s status as a deep copy; a null status means none, as JSON decoding in
    the server does."""
    return _decode_object(_encode({"s": obj.get("status")}))["s"]


def _selected(local: threading.local, labels: bytes | None) -> bool:
    """SQL ``tektite_selected(labels)``: this thread's current list selector matches."""
    selector: Selector = local.selector
    return selector.matches(_decode_labels(labels) if labels is not None else None)


def _meta_value(conn: sqlite3.Connection, key: str) -> int:
    (value,) = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(value)


def _labels(meta: dict[str, Any]) -> bytes | None:
    labels = meta.get("labels")
    return _encode(labels) if labels else None


def _raise_if_cancelling() -> None:
    """Re-raise a cancellation that Python 3.11's ``asyncio.wait_for`` swallowed (it
    does when the awaited event fires as the cancel arrives): the watch must end."""
    import asyncio

    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
