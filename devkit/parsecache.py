"""What devkit parsed in earlier runs, kept on disk so an unchanged file is not parsed again.

doctor reads every project's YAML files and every package record of every env: at a thousand
projects that is 4,000 YAML files and 80,000 records (1.6 GB of JSON), most of its time, and
nearly all of it the same as in the run before. A shelf keeps a parser's results between runs,
the way Python keeps bytecode beside a module:

- ``by_content``: keyed on a digest of the bytes parsed (the file is still read every run, so
  nothing about its stat can fool it);
- ``by_key``: keyed on plain values the caller names (a decision made of them, not a file);
- ``by_stat``: keyed on the file's identity and stat (device, inode, size, modification and
  change times, in nanoseconds), for files too large to read every run. A change that keeps
  all of these is what git's index also misses; a file changed in the last ``RACY_S`` seconds
  is never kept, so a filesystem with coarse timestamps cannot hide a second write.

Every shelf is also keyed on the code that made its results (the size and modification time of
the parser's modules), so a new devkit never reads an older one's results. A shelf that cannot
be read (missing, damaged, from another Python) is empty; one that cannot be written is left
as it was: the cache is never a reason for a command to fail. Only what a run used (plus the
most recently used of the rest, up to ``KEEP`` or the shelf's own ``keep``) is written back,
so a shelf holds about one monorepo's working set. Shelves are private (0600) in devkit's
cache folder; nothing read from a ``.env`` is ever put on one.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from devkit import paths
from devkit.errors import DevkitError

T = TypeVar("T")

RACY_S = 2.0  # a file changed this recently may change again within its timestamp's tick
KEEP = 250_000  # entries a shelf keeps beyond what the run used
_FORMAT = 1  # the layout of a shelf's file
_SHELVES: list[Shelf] = []


def _cache_token() -> tuple[str | None, ...]:
    # What paths.cache_dir() is made of, on every platform platformdirs knows. Asked at every
    # lookup (10,000 in a doctor run): the variables named one by one, no loop.
    get = os.environ.get
    return (get("DEVKIT_HOME"), get("XDG_CACHE_HOME"), get("HOME"), get("LOCALAPPDATA"))


def save_all() -> None:
    """Write back every shelf this process used (a command calls it once it has its results)."""
    for shelf in _SHELVES:
        shelf.save()


Added = dict[str, dict[Hashable, tuple[float, Any]]]


def added() -> Added:
    """What this process parsed and kept since its shelves were loaded, by shelf: a forked
    child hands it to its parent, which saves it with its own (see ``absorb``)."""
    return {shelf.name: shelf.new_entries() for shelf in _SHELVES if shelf.new_entries()}


def absorb(entries: Added) -> None:
    """Keep what a forked child parsed, as if this process had parsed it."""
    for shelf in _SHELVES:
        if shelf.name in entries:
            shelf.take(entries[shelf.name])


@functools.cache
def installed(package: str) -> tuple[object, ...]:
    """An installed package's stamp (its ``__init__``'s path, size and modification time), for
    a variant whose results that package shapes (PyYAML, py-rattler): found, not imported, so a
    run that finds everything on the shelf does not pay for the import."""
    import importlib.util  # here: `devkit run` imports this module and asks no stamp

    spec = importlib.util.find_spec(package)
    origin = spec.origin if spec is not None else None
    if origin is None:
        return (package, None)
    info = os.stat(origin)  # noqa: PTH116 - as _code_key stamps modules
    return (package, origin, info.st_size, info.st_mtime_ns)


class Shelf:
    """One parser's results, loaded on first use and written back by ``save``."""

    def __init__(
        self,
        name: str,
        code: Iterable[ModuleType],
        packages: Iterable[str] = (),
        *,
        keep: int | None = None,
        at_once: bool = False,
    ) -> None:
        self.name = name
        # Written back by each lookup that changed it (a hit writes nothing): for what a
        # command that ends in another process reads on its way (`devkit run` ends in the
        # service), which has no later moment to save.
        self._at_once = at_once
        # Entries kept beyond what a run used (None: KEEP): a shelf of one file (devkit.yaml)
        # needs a few, so that a command reading it loads a few, not what doctor left of its own.
        self._keep = keep
        self._code = tuple(code)
        # Installed packages whose results the shelf keeps (py-rattler's reading of a record):
        # another version of one is another parser.
        self._packages = tuple(packages)
        self._entries: dict[Hashable, tuple[float, Any]] | None = None
        self._loaded_from: Path | None = None
        self._token: tuple[str | None, ...] = ()
        self._used: set[Hashable] = set()
        self._new: set[Hashable] = set()  # keys this run parsed (``used`` has hits too)
        self._now = 0.0
        _SHELVES.append(self)

    @property
    def path(self) -> Path:
        """The shelf's file."""
        return paths.cache_dir() / "parsed" / f"{self.name}.pickle"

    def by_content(
        self,
        raw: bytes,
        variant: Hashable,
        parse: Callable[[], T],
        *,
        keeps: Callable[[T], bool] | None = None,
    ) -> T:
        """``parse()``'s result for these bytes (and ``variant``: how they are parsed).

        What ``parse`` raises is raised and not kept: an error is reported from the file each
        time. ``keeps``: whether a result may be put on the shelf (the user config's is not
        when it holds a credential); one that may not is parsed again each time.
        """
        key = (hashlib.blake2b(raw, digest_size=20).digest(), variant)
        return self._get(self._load(), key, parse, keeps=keeps)

    def by_key(self, key: tuple[str | int | bool | None, ...], parse: Callable[[], T]) -> T:
        """``parse()``'s result for a key made of everything that shapes it, in plain values
        (for a decision rather than a file: whether a spec matches a package).

        What ``parse`` raises is raised and not kept.
        """
        return self._get(self._load(), ("key", key), parse, keeps=None)

    def by_stat(self, files: Iterable[str], parse: Callable[[str], T]) -> list[T]:
        """``parse(file)`` for each file, kept while its stat is unchanged (see the module).

        A batch: the shelf is looked up once for all of them (80,000 records in a run).
        What ``os.stat`` or ``parse`` raises is raised, and nothing of it kept.
        """
        entries = self._load()
        racy = (self._now - RACY_S) * 1e9
        stat = os.stat
        results: list[T] = []
        used: list[Hashable] = []
        # The loop is the cost of a warm run (80,000 records): nothing in it but the lookup.
        for file in files:
            info = stat(file)
            # The file's identity (a rename changes its ctime) and state; not its path, whose
            # string would be hashed anew each run.
            key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
            found = entries.get(key)
            if found is None:
                value = parse(file)
                if max(info.st_mtime_ns, info.st_ctime_ns) >= racy:
                    results.append(value)
                    continue
                entries[key] = found = (self._now, value)
                self._new.add(key)
            used.append(key)
            results.append(found[1])
        self._used.update(used)
        return results

    def _get(
        self,
        entries: dict[Hashable, tuple[float, Any]],
        key: Hashable,
        parse: Callable[[], T],
        *,
        keeps: Callable[[T], bool] | None,
    ) -> T:
        found = entries.get(key)
        if found is not None:
            self._used.add(key)
            value: T = found[1]
        else:
            value = parse()
            if keeps is None or keeps(value):
                entries[key] = (self._now, value)
                self._used.add(key)
                self._new.add(key)
        if self._at_once:
            self.save()
        return value

    def _load(self) -> dict[Hashable, tuple[float, Any]]:
        # A process that runs several commands (the tests) may change its cache folder; what
        # names it is compared first, as a path for each of 80,000 records costs more.
        token = _cache_token()
        if self._entries is None or token != self._token:
            where = self.path
            self._entries = self._read(where)
            self._loaded_from = where
            self._token = token
            self._used = set()
            self._new = set()
            self._now = time.time()
        return self._entries

    def _read(self, where: Path) -> dict[Hashable, tuple[float, Any]]:
        # The collector would walk the objects a shelf is made of many times over as they
        # are made (50,000 YAML mappings and lists): it cost more than the unpickling.
        collecting = gc.isenabled()
        gc.disable()
        import pickle  # here: `devkit run` imports this module and never reads a shelf

        try:
            with open(where, "rb") as stream:  # noqa: PTH123
                stored = pickle.load(stream)  # noqa: S301 - devkit's own private file
        except FileNotFoundError:
            return {}
        except Exception:  # noqa: BLE001 - a damaged or foreign shelf is only an empty one
            return {}
        finally:
            if collecting:
                gc.enable()
        if not isinstance(stored, dict) or stored.get("code") != self._code_key():
            return {}
        entries = stored.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _code_key(self) -> tuple[object, ...]:
        stamps: list[object] = [_FORMAT, self.name]
        for module in self._code:
            file = module.__file__
            if file is None:
                stamps.append(module.__name__)
                continue
            info = os.stat(file)  # noqa: PTH116 - 80,000 records: a Path each costs more
            stamps.append((module.__name__, info.st_size, info.st_mtime_ns))
        stamps += [installed(package) for package in self._packages]
        return tuple(stamps)

    def new_entries(self) -> dict[Hashable, tuple[float, Any]]:
        """The entries this run added (a forked child's share of the work)."""
        if self._entries is None:
            return {}
        return {key: self._entries[key] for key in self._new}

    def take(self, entries: dict[Hashable, tuple[float, Any]]) -> None:
        """Add entries made by another process of this run, as used."""
        if not entries:
            return
        mine = self._load()
        mine.update(entries)
        self._used.update(entries)
        self._new.update(entries)

    def save(self) -> None:
        """Write back what this run used and added, and the most recently used of the rest."""
        entries = self._entries
        if entries is None or self._loaded_from is None:
            return
        if _cache_token() != self._token:
            return  # loaded for another cache folder (a process running several commands)
        # Unused entries alone are rewritten only past ``keep``: a forked child's hits are not in
        # ``_used``, and a shelf rewritten every run would cost what it saves.
        keep = KEEP if self._keep is None else self._keep
        if not self._new and len(entries) - len(self._used) <= keep:
            return
        kept = {key: (self._now, entries[key][1]) for key in self._used}
        others = sorted(
            ((key, entry) for key, entry in entries.items() if key not in self._used),
            key=lambda item: item[1][0],
            reverse=True,
        )
        kept.update(others[:keep])
        import pickle

        from devkit import atomic

        data = pickle.dumps(
            {"code": self._code_key(), "entries": kept}, protocol=pickle.HIGHEST_PROTOCOL
        )
        try:
            atomic.write_bytes(self._loaded_from, data, private=True)
        except DevkitError:
            return  # a read-only cache folder costs speed, never the command
        self._new = set()
