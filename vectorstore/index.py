"""Where the index lives, and how a write becomes visible all at once.

Every write goes to a new *version* (a copy of the current one); only when it has fully
succeeded does the ``CURRENT`` pointer move to it. A failed, interrupted or killed ingest
therefore leaves the previous version serving, and readers never see half an ingest.

- Local (default): ``<root>/versions/<v>/`` holds a Chroma PersistentClient; ``<root>/CURRENT``
  names the live version and is replaced atomically (``os.replace``).
- Server (``POLICYQA_CHROMA_URL``): versions are collection-name suffixes on the Chroma server;
  the pointer is the metadata of a small ``policyqa_current`` collection, changed by one request.
  Writers from any process or machine take turns through a ``policyqa_lock`` collection.

Errors users can act on (disk full, unwritable directory, server gone) are raised as
``RetrievalError``/``StoreUnavailableError`` with a Chinese message.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.chroma_store import ChromaStore, copy_collection, make_client, release_client
from vectorstore.docstore import DocCollection, NoEmbedding
from vectorstore.errors import RetrievalError
from vectorstore.locks import file_lock

if TYPE_CHECKING:
    from vectorstore.embeddings import Embeddings

log = logging.getLogger(__name__)

_KEEP_OLD_VERSIONS = 2  # previous versions always kept (the replaced one and one before it), besides the ones readers registered
_KEEP_OPEN = 2  # versions this process keeps open, besides the ones in-flight requests still hold
# Server mode has no reader registry: an old version stays until it was superseded this long ago
# (replicas switch within 2 s, the slowest request takes seconds) and is not among the newest.
SUPERSEDED_GRACE_S = 300.0
_HISTORY = 20  # publish times the pointer remembers
LOCK_TIMEOUT_S = 600.0  # how long a server-mode writer waits for another one to finish
LOCK_LEASE_S = 120.0  # a server-mode lock not renewed for this long belongs to a dead writer
_LOCK_POLL_S = 0.5
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NO_WRITE_REASONS = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满", errno.EACCES: "没有写入权限",
                     errno.EPERM: "没有写入权限", errno.EROFS: "文件系统为只读", errno.EEXIST: "该路径已存在且不是目录",
                     errno.ENOTDIR: "路径中有一段是文件而不是目录"}
DISK_FULL_MESSAGE = "磁盘空间不足,导入未完成,原有索引保持不变。请清理磁盘后重新导入"


@dataclass(slots=True)
class Snapshot:
    """One version of the index: a Chroma client plus the collection names of that version."""

    client: Any
    version: str
    path: Path | None = None
    suffix: str = ""  # server mode: versions share one server, so names carry the version

    def chunks(self, embeddings: Embeddings) -> ChromaStore:
        return ChromaStore(self.client, f"chunks{self.suffix}", embeddings)

    def docs(self) -> DocCollection:
        return DocCollection(self.client, f"docs{self.suffix}")


class IndexLocation:
    """Base for local and server locations: the pointer and the copy differ, the rest is shared."""

    def current_version(self) -> str | None:
        raise NotImplementedError

    def open_current(self) -> Snapshot | None:
        raise NotImplementedError

    @contextlib.contextmanager
    def write(self, fresh: bool = False) -> Iterator[Snapshot]:
        """A writable copy of the current version (an empty one when ``fresh``); published
        only if the block succeeds."""
        raise NotImplementedError
        yield  # pragma: no cover


def _new_version() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:6]}"


class LocalIndex(IndexLocation):
    """Versions as folders under ``root``; ``CURRENT`` names the live one.

    A version is never removed while a process may still read it: every process lists the
    versions it holds in ``readers/<host>-<pid>`` (the ones it keeps open and the ones an
    in-flight request still uses), and clean-up keeps those plus the last ``_KEEP_OLD_VERSIONS``.
    Within a process, a version's Chroma client is released only once no snapshot of it is
    left (a request that started on it finishes on it).
    """

    _opened: list[Path] = []  # version folders this process keeps open, oldest first (shared by all roots)
    _live: dict[Path, int] = {}  # snapshots of each version folder still referenced in this process
    # Re-entrant: a snapshot's finalizer may run (garbage collection) while this thread holds it.
    _opened_lock = threading.RLock()

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_version(self) -> str | None:
        if self.root.exists() and not self.root.is_dir():
            raise RetrievalError(f"索引路径 {self.root} 是一个文件而不是目录,请检查 POLICYQA_INDEX_DIR 或 --index 设置")
        try:
            v = self._pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as ex:  # e.g. the index "directory" is a file
            raise RetrievalError(f"无法读取索引目录 {self.root}:{_os_reason(ex)}") from ex
        return v if v and (self.root / "versions" / v).is_dir() else None

    def open_current(self) -> Snapshot | None:
        for _ in range(3):
            v = self.current_version()
            if v is None:
                return None
            path = self.root / "versions" / v
            with self._opened_lock:
                self._live[path] = self._live.get(path, 0) + 1
                # Registered before opening, and checked again after: a writer's clean-up that ran
                # in between has removed the folder, and the then current version is opened instead.
                self._register(path)
            if path.is_dir():
                break
            self._forget(path)
        else:
            raise RetrievalError(f"索引目录 {self.root} 正在频繁更新,请稍后重试")
        try:
            client = make_client(path)
        except BaseException:
            self._forget(path)
            raise
        weakref.finalize(client, self._forget, path).atexit = False  # at exit the registry is stale anyway
        self._close_older_than(path)
        return Snapshot(client, v, path)

    def _register(self, path: Path) -> None:
        """Best effort: an index on a read-only mount cannot be written by anyone, so not cleaned up."""
        try:
            _register_reader(path.parent.parent, self._held_versions(path.parent))
        except OSError as ex:
            log.debug("读取登记失败:%s", ex)

    def _held_versions(self, versions: Path) -> set[str]:
        return {p.name for p in [*self._opened, *self._live] if p.parent == versions}

    def _forget(self, path: Path) -> None:
        """One snapshot of ``path`` is gone; release the version once none is left and it is no
        longer one this process keeps open."""
        with self._opened_lock:
            left = self._live.get(path, 1) - 1
            if left > 0:
                self._live[path] = left
                return
            self._live.pop(path, None)
            if path not in self._opened:
                release_client(path)
            self._register(path)

    def _close_older_than(self, path: Path) -> None:
        """Stop keeping open versions of this index opened before the last ``_KEEP_OPEN``: a server
        that reloads after every ingest would otherwise keep every version it ever served in memory.
        A version a request still holds is released when its last snapshot goes."""
        with self._opened_lock:
            if path in self._opened:
                self._opened.remove(path)
            self._opened.append(path)
            mine = [p for p in self._opened if p.parent == path.parent]
            for old in mine[: max(0, len(mine) - _KEEP_OPEN)]:
                self._opened.remove(old)
                if not self._live.get(old):
                    release_client(old)
            self._register(path)

    @contextlib.contextmanager
    def write(self, fresh: bool = False) -> Iterator[Snapshot]:
        _check_writable(self.root)
        with file_lock(self.root / ".lock"):
            old = self.current_version()
            new = _new_version()
            path = self.root / "versions" / new
            try:
                if old and not fresh:
                    shutil.copytree(self.root / "versions" / old, path)
                yield Snapshot(make_client(path), new, path)
                self._publish(new)  # os.replace either happens or not: safe to undo on error
            except BaseException as ex:
                release_client(path)
                shutil.rmtree(path, ignore_errors=True)
                if _is_disk_full(ex):
                    raise RetrievalError(DISK_FULL_MESSAGE) from ex
                raise
            self._cleanup(new, old)

    def _publish(self, version: str) -> None:
        tmp = self._pointer.with_suffix(".tmp")
        tmp.write_text(version, encoding="utf-8")
        os.replace(tmp, self._pointer)

    def _cleanup(self, new: str, old: str | None) -> None:
        """Remove versions left by killed ingests (newer than ``old``, the one ``new`` replaced)
        and old ones beyond the newest ``_KEEP_OLD_VERSIONS``, except every version a living
        process has registered as read."""
        versions = sorted(p for p in (self.root / "versions").iterdir() if p.is_dir() and p.name not in {new, old})
        older = [p for p in versions if old and p.name < old]  # published once, or left by killed writers
        doomed = [p for p in versions if p not in older] + older[: max(0, len(older) - _KEEP_OLD_VERSIONS + 1)]
        read = _registered_versions(self.root)
        for p in doomed:
            if p.name in read:
                continue
            with self._opened_lock:
                if self._live.get(p):  # a request of this process (registered too, unless the registry failed)
                    continue
                if p in self._opened:
                    self._opened.remove(p)
                release_client(p)
            shutil.rmtree(p, ignore_errors=True)


_READERS_DIR = "readers"


def _reader_file(root: Path, pid: int | None = None, host: str | None = None) -> Path:
    return root / _READERS_DIR / f"{host or socket.gethostname()}-{pid or os.getpid()}"


def _register_reader(root: Path, versions: set[str]) -> None:
    """Record the versions this process reads (``readers/<host>-<pid>``, replaced atomically)."""
    target = _reader_file(root)
    if not versions:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.{threading.get_ident()}.tmp")
    tmp.write_text("\n".join(sorted(versions)), encoding="utf-8")
    os.replace(tmp, target)


def _registered_versions(root: Path) -> set[str]:
    """Versions registered by processes that still exist (files of dead local processes are removed)."""
    read: set[str] = set()
    host = socket.gethostname()
    folder = root / _READERS_DIR
    for f in folder.iterdir() if folder.is_dir() else []:
        name, _, pid = f.name.rpartition("-")
        if f.name.startswith(".") or not pid.isdigit():
            continue
        if name == host and int(pid) != os.getpid() and not _process_exists(int(pid)):
            f.unlink(missing_ok=True)  # a process that was killed
            continue
        with contextlib.suppress(OSError):
            read.update(f.read_text(encoding="utf-8").split())
    return read


def _os_reason(ex: OSError) -> str:
    return _NO_WRITE_REASONS.get(ex.errno or 0) or ex.strerror or type(ex).__name__


def _is_disk_full(ex: BaseException | None) -> bool:
    """Disk full, as the OS reports it or as SQLite inside Chroma does (causes are followed)."""
    for _ in range(10):
        if ex is None:
            return False
        if isinstance(ex, OSError) and ex.errno in _DISK_FULL_ERRNOS:
            return True
        if any(s in str(ex) for s in ("database or disk is full", "No space left", "Disk quota exceeded")):
            return True
        ex = ex.__cause__ or ex.__context__
    return False


def _check_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".probe-{uuid.uuid4().hex[:6]}"
        probe.write_bytes(b"x" * 4096)
        probe.unlink()
    except OSError as ex:
        raise RetrievalError(f"索引目录不可写:{root}({_os_reason(ex)}),导入未进行,原有索引保持不变") from ex


class ServerIndex(IndexLocation):
    """Versions as collection suffixes on a Chroma server (several app processes share it).

    ``chunks_<v>``/``docs_<v>`` hold version ``v``; the metadata of ``policyqa_current`` names the
    live one. Server errors are raised as :class:`StoreUnavailableError` (the client is guarded).
    """

    _POINTER = "policyqa_current"

    def __init__(self, url: str, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.url = url
        self.lock_timeout = lock_timeout
        self._client = make_client(url=url)

    def current_version(self) -> str | None:
        from chromadb.errors import NotFoundError

        try:  # get, not get_or_create: reading must not write
            col = self._client.get_collection(self._POINTER, embedding_function=NoEmbedding())
        except NotFoundError:
            return None
        return (col.metadata or {}).get("version") or None

    def open_current(self) -> Snapshot | None:
        v = self.current_version()
        return Snapshot(self._client, v, suffix=f"_{v}") if v else None

    @contextlib.contextmanager
    def write(self, fresh: bool = False) -> Iterator[Snapshot]:
        with _ServerLock(self._client, self.lock_timeout):
            old = self.current_version()
            new = _new_version()
            try:
                if old and not fresh:
                    self._copy(old, new)
                yield Snapshot(self._client, new, suffix=f"_{new}")
            except BaseException:
                self._drop(new)  # best effort; if the server is gone, the next writer removes it
                raise
            # Outside the try: if the answer to this request is lost, the pointer may already name
            # ``new``, so ``new`` must not be dropped. An unpublished ``new`` is removed next time.
            pointer = self._client.get_or_create_collection(self._POINTER, embedding_function=NoEmbedding())
            history = _published(pointer.metadata or {})
            history = [*history, (new, time.time())][-_HISTORY:]
            pointer.modify(metadata={"version": new, "previous": old or "",
                                     "published": ",".join(f"{v}@{t:.0f}" for v, t in history)})
            self._drop_older(keep={new, old}, history=history)

    def _copy(self, old: str, new: str) -> None:
        for kind in ("chunks", "docs"):
            copy_collection(self._client, f"{kind}_{old}", f"{kind}_{new}")

    def _drop(self, version: str) -> None:
        names = {c.name if hasattr(c, "name") else c for c in self._client.list_collections()}
        for kind in ("chunks", "docs"):
            name = f"{kind}_{version}"
            # A server that has just come back can refuse a first delete: try again briefly
            # (what is left anyway is dropped by the next write).
            for attempt in range(3):
                if name not in names:
                    break
                try:
                    self._client.delete_collection(name)
                    break
                except Exception:  # noqa: BLE001 - the next write tidies up what stays
                    time.sleep(0.5 * (attempt + 1))

    def _drop_older(self, keep: set[str | None], history: list[tuple[str, float]]) -> None:
        """Drop versions of killed or failed writers (newer than the replaced one), and old ones
        other replicas can no longer be reading: not among the ``_KEEP_OLD_VERSIONS`` before the
        current one and superseded more than ``SUPERSEDED_GRACE_S`` ago (lock held)."""
        names = [c.name if hasattr(c, "name") else c for c in self._client.list_collections()]
        versions = sorted({n.split("_", 1)[1] for n in names if n.startswith(("chunks_", "docs_"))} - keep)
        replaced = max((v for v in keep if v and v != history[-1][0]), default=None) if history else None
        superseded = {v: later for (v, _), (_, later) in zip(history, history[1:])}
        older = [v for v in versions if replaced and v < replaced]
        for v in versions:
            if v in older[max(0, len(older) - _KEEP_OLD_VERSIONS + 1):]:
                continue  # one of the newest old ones
            if v not in older or time.time() - superseded.get(v, 0.0) > SUPERSEDED_GRACE_S:
                self._drop(v)


def _published(metadata: dict[str, Any]) -> list[tuple[str, float]]:
    """The pointer's record of when each version was published (``v@time,…``), oldest first."""
    out = []
    for item in str(metadata.get("published") or "").split(","):
        v, _, t = item.partition("@")
        with contextlib.suppress(ValueError):
            out.append((v, float(t)))
    return out


class _ServerLock:
    """One writer at a time across processes and machines, on the Chroma server itself.

    Creating a collection that already exists fails on the server, so exactly one writer
    creates ``policyqa_lock``. Its metadata is a lease renewed while the lock is held: a writer
    that was killed, or that lost the server, frees the lock after ``LOCK_LEASE_S`` (at once if
    it was a process on this machine that no longer exists, or this process itself).
    """

    NAME = "policyqa_lock"
    _held: set[str] = set()  # tokens this process holds right now

    def __init__(self, client: Any, timeout: float) -> None:
        self._client = client
        self._timeout = timeout
        self._token = uuid.uuid4().hex
        self._stop = threading.Event()

    def __enter__(self) -> None:
        deadline = time.monotonic() + self._timeout
        while not self._try_acquire():
            if time.monotonic() > deadline:
                raise RetrievalError("另一个导入或删除正在进行,请稍后再试")
            time.sleep(_LOCK_POLL_S)
        threading.Thread(target=self._renew, name="policyqa-lock-lease", daemon=True).start()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._held.discard(self._token)
        with contextlib.suppress(Exception):  # server gone: the lease runs out instead
            if self.owner().get("token") == self._token:
                self._client.delete_collection(self.NAME)

    def _lease(self) -> dict[str, Any]:
        return {"token": self._token, "host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}

    def _try_acquire(self) -> bool:
        from chromadb.errors import ChromaError

        self._held.add(self._token)  # before creating: our other threads must not see it as left behind
        try:
            self._client.create_collection(self.NAME, metadata=self._lease(), embedding_function=NoEmbedding())
            return True
        except ChromaError:  # "already exists"
            self._held.discard(self._token)
            held = self.owner()
            if held and self._is_stale(held):
                log.warning("接管失效的索引写入锁(主机 %s,进程 %s)", held.get("host"), held.get("pid"))
                with contextlib.suppress(ChromaError):
                    self._client.delete_collection(self.NAME)
            return False

    def _renew(self) -> None:
        while not self._stop.wait(LOCK_LEASE_S / 4):
            with contextlib.suppress(Exception):
                col = self._client.get_collection(self.NAME, embedding_function=NoEmbedding())
                if (col.metadata or {}).get("token") == self._token:
                    col.modify(metadata=self._lease())

    def owner(self) -> dict[str, Any]:
        from chromadb.errors import NotFoundError

        try:
            return dict(self._client.get_collection(self.NAME, embedding_function=NoEmbedding()).metadata or {})
        except NotFoundError:
            return {}

    def _is_stale(self, owner: dict[str, Any]) -> bool:
        if time.time() - float(owner.get("since", 0)) > LOCK_LEASE_S:
            return True
        if owner.get("host") != socket.gethostname():
            return False
        pid = int(owner.get("pid", 0))
        if pid == os.getpid():
            return owner.get("token") not in self._held  # left behind by an earlier write of ours
        return pid > 0 and not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_location(index_dir: Path, chroma_url: str | None) -> IndexLocation:
    """The index at ``chroma_url`` (a Chroma server) when given, else under ``index_dir``.

    :raises StoreUnavailableError: when the server cannot be reached.
    """
    return ServerIndex(chroma_url) if chroma_url else LocalIndex(index_dir)
