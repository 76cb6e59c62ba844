"""The plugin manager: built-ins, entry points, ``-p``, ``--plugins-dir``.

One :class:`pluggy.PluginManager` per run. Built-in modules are registered
first, exactly as a third-party plugin is; then every entry point of the
``civscore`` group (unless ``CIVSCORE_DISABLE_PLUGIN_AUTOLOAD`` is set), then
entry points or modules named with ``-p NAME`` (a module already loaded is
not loaded twice), then every ``*.py`` in ``--plugins-dir``. ``-p no:NAME``
blocks a plugin by name (an entry point also by its module). A plugin that
fails to import, or whose registering hook raises or returns something that
is not a subclass of the right base class, is skipped with a warning and
contributes nothing (fatal with ``strict=True``); a misspelled hook
implementation, or one with arguments its hook lacks, is an error at
start-up. Two plugins providing one name is an error naming both. The whole
contract for plugin authors is docs/plugins.md.
"""
from __future__ import annotations

import difflib
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

import pluggy

from . import hookspecs
from .contracts.version import __version__
from .contracts import RatingMethod, Reader, Scorer, Writer
from .contracts.errors import PluginError
from .contracts.i18n import N_, _

ENTRY_POINT_GROUP = "civscore"
AUTOLOAD_ENV = "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"

#: the built-in plugins, loaded by name before any other, through the same hooks
DEFAULT_PLUGINS = (
    "civscore.builtin.scorers",
    "civscore.builtin.rating",
    "civscore.builtin.readers",
    "civscore.builtin.writers",
)
#: civscore 1.0's names of the built-in plugins: ``-p no:OLD`` still blocks the new one, with a warning
RENAMED_PLUGINS = {
    "civscore.scorers.builtin": "civscore.builtin.scorers",
    "civscore.rating": "civscore.builtin.rating",
    "civscore.submissions": "civscore.builtin.readers",
    "civscore.reports.builtin": "civscore.builtin.writers",
}
BUILTIN_PLUGINS = DEFAULT_PLUGINS   # civscore 1.0's name of the tuple

#: the hooks that register something, and the attribute naming each thing
KINDS = {
    "scorers": ("civscore_scorers", "name"),
    "rating_methods": ("civscore_rating_methods", "name"),
    "readers": ("civscore_readers", "suffixes"),
    "writers": ("civscore_writers", "name"),
}


def civscore_version() -> str:
    """civscore's version: the installed distribution's, written once in civscore/contracts/version.py
    (pyproject.toml reads it from there; reading the installed METADATA parses the whole README)."""
    return __version__


@dataclass
class PluginInfo:
    """What ``civscore plugins`` shows of one plugin."""

    name: str
    origin: str              # builtin, entry-point, -p, plugins-dir
    version: str | None = None
    status: str = "ok"       # ok, failed, blocked
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "origin": self.origin, "version": self.version,
                "status": self.status, "error": self.error, "hooks": self.hooks,
                "provides": self.provides}


def did_you_mean(name: str, known: Iterable[str]) -> str:
    known = list(known)
    # two letters swapped (hnit) is the likeliest typo: prefer it to an equally close other word (unit)
    swapped = [k for k in known if len(k) == len(name) and sorted(k) == sorted(name) and k != name
               and sum(a != b for a, b in zip(k, name)) == 2]
    close = swapped[:1] or difflib.get_close_matches(name, known, n=1)
    return _(" (did you mean {name!r}?)").format(name=close[0]) if close else ""


class Registry:
    """Everything the plugins registered, by name, with the plugin that gave it."""

    def __init__(self) -> None:
        self.scorers: dict[str, type] = {}
        self.rating_methods: dict[str, type] = {}
        self.readers: dict[str, type] = {}   # by suffix, ".csv"
        self.writers: dict[str, type] = {}
        self.owner: dict[tuple[str, str], str] = {}   # (kind, name) -> plugin name
        self.validators: list[tuple[str, Any]] = []
        self.schemes: dict[str, str] = {}   # bundled by plugins: name -> path
        self.plugins: list[PluginInfo] = []
        self.warnings: list[str] = []

    def add(self, kind: str, key: str, obj: type, plugin: str) -> None:
        table: dict[str, type] = getattr(self, kind)
        if key in table:
            other = self.owner[(kind, key)]
            raise PluginError(_("{kind} {key!r} is registered by both {other!r} and {plugin!r}; "
                                "uninstall or block one (-p no:NAME)").format(
                                    kind=_(KIND_LABELS[kind]), key=key, other=other, plugin=plugin))
        table[key] = obj
        self.owner[(kind, key)] = plugin

    def lookup(self, kind: str, key: str) -> Any:
        table: dict[str, type] = getattr(self, kind)
        try:
            return table[key]
        except KeyError:
            raise KeyError(key) from None

    def unknown(self, kind: str, key: str) -> str:
        """The message for a name nobody provides: what is installed, what to do."""
        table: dict[str, type] = getattr(self, kind)
        return _("unknown {kind} {key!r}{hint}; installed: {installed}. Install or enable the plugin that "
                 "provides it (see `civscore plugins`){notes}").format(
                     kind=_(KIND_LABELS[kind]), key=key, hint=did_you_mean(key, table),
                     installed=", ".join(sorted(table)) or _("none"), notes=self.notes())

    def notes(self) -> str:
        """Why a plugin's name may be unknown: plugins that failed or were blocked, autoload off."""
        notes = ""
        failed = [p.name for p in self.plugins if p.status == "failed"]
        blocked = [p.name for p in self.plugins if p.status == "blocked"]
        if failed:
            notes += _("; these plugins failed to load: {plugins}").format(plugins=", ".join(failed))
        if blocked:
            notes += _("; blocked with -p no:NAME: {plugins}").format(plugins=", ".join(blocked))
        if os.environ.get(AUTOLOAD_ENV):
            notes += _("; {variable} is set, so installed plugins load only with -p NAME").format(variable=AUTOLOAD_ENV)
        return notes

    def plugin_versions(self) -> dict[str, str]:
        """``{name: version}`` of the plugins that loaded, for provenance."""
        return {p.name: p.version or "" for p in self.plugins if p.status == "ok"}


class PluginManager:
    """A pluggy manager loaded the civscore way; ``registry`` holds the results."""

    def __init__(self, *, plugins: Iterable[str] = (), plugins_dir: str | os.PathLike | None = None,
                 autoload: bool | None = None, strict: bool = False) -> None:
        self.pm = pluggy.PluginManager("civscore")
        self.pm.add_hookspecs(hookspecs)
        self.strict = strict
        self.registry = Registry()
        self._infos: dict[str, PluginInfo] = {}
        requested: list[str] = []
        blocked: list[str] = []
        for spec in plugins:
            (blocked if spec.startswith("no:") else requested).append(spec[3:] if spec.startswith("no:") else spec)
        for k, name in enumerate(blocked):
            if name in RENAMED_PLUGINS:
                self.registry.warnings.append(_("-p no:{name}: the built-in plugin is now named {new!r}; "
                                                "blocking that (use the new name)").format(name=name, new=RENAMED_PLUGINS[name]))
                name = blocked[k] = RENAMED_PLUGINS[name]
            self.pm.set_blocked(name)
            self._infos[name] = PluginInfo(name, "-p no:", status="blocked")
        if autoload is None:
            autoload = not os.environ.get(AUTOLOAD_ENV)
        version = civscore_version()
        for modname in DEFAULT_PLUGINS:
            self._load(modname, "builtin", version, lambda m=modname: importlib.import_module(m))
        entry_points = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
        if autoload:
            for ep in sorted(entry_points.values(), key=lambda e: e.name):
                if self.pm.is_blocked(ep.module):  # -p no:MODULE blocks it too
                    continue
                dist = getattr(ep, "dist", None)
                self._load(ep.name, "entry-point", dist.version if dist else None, ep.load)
        for modname in requested:
            named = entry_points.get(modname)
            if named is not None:  # -p NAME of an entry point loads it even when autoload is off
                dist = getattr(named, "dist", None)
                self._load(named.name, "entry-point", dist.version if dist else None, named.load)
            else:
                self._load(modname, "-p", None, lambda m=modname: importlib.import_module(m))
        stems: list[str] = []
        if plugins_dir is not None:
            folder = Path(plugins_dir)
            if not folder.is_dir():
                raise PluginError(_("--plugins-dir {folder}: not a directory").format(folder=folder))
            for path in sorted(folder.glob("*.py")):
                stems.append(path.stem)
                self._load(path.stem, "plugins-dir", None, lambda p=path: _import_file(p))
        known = {*DEFAULT_PLUGINS, *entry_points, *(ep.module for ep in entry_points.values()), *requested, *stems}
        for name in blocked:  # a typo in -p no:NAME would otherwise block nothing, silently
            if name not in known:
                self.registry.warnings.append(_("-p no:{name}: no plugin of that name{hint}").format(
                    name=name, hint=did_you_mean(name, known)))
        for name in blocked:  # what a blocked plugin would have been: its version, when it is known
            found = entry_points.get(name) or next((e for e in entry_points.values() if e.module == name), None)
            dist = getattr(found, "dist", None) if found is not None else None
            self._infos[name].version = dist.version if dist else version if name in DEFAULT_PLUGINS else None
        self._check_pending()
        self._collect()
        self.registry.plugins = list(self._infos.values())

    # -- loading ---------------------------------------------------------------
    def _fail(self, info: PluginInfo, cause: str) -> None:
        info.status, info.error = "failed", cause
        if self.strict:
            raise PluginError(_("plugin {name!r} failed to load: {cause} (--strict-plugins makes this fatal)").format(
                name=info.name, cause=cause))
        self.registry.warnings.append(_("plugin {name!r} skipped: {cause}").format(name=info.name, cause=cause))

    def _load(self, name: str, origin: str, version: str | None, load) -> None:
        if self.pm.is_blocked(name) or self.pm.has_plugin(name):
            return  # blocked, or already loaded (an entry point also named with -p)
        info = PluginInfo(name, origin, version)
        self._infos[name] = info
        try:
            module = load()
        except Exception as exc:  # a broken plugin must not stop the run
            self._fail(info, _("failed to import: {error}").format(error=f"{type(exc).__name__}: {_one_line(exc)}"))
            return
        if self.pm.is_registered(module):  # e.g. -p MODULE of an autoloaded entry point
            del self._infos[name]
            return
        if info.version is None:
            info.version = getattr(module, "__version__", None) or _dist_version(module)
        try:
            self.pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:  # a hook implemented with wrong arguments: the author's bug
            raise PluginError(_("plugin {name!r}: {error}; see docs/plugins.md for the hooks").format(
                name=name, error=_one_line(exc))) from None
        except Exception as exc:
            self._fail(info, _("failed to register: {error}").format(error=_one_line(exc)))
        else:
            info.hooks = sorted(h.name for h in self.pm.get_hookcallers(module) or [])
            if origin != "builtin" and isinstance(module, ModuleType):
                modname = module.__name__
                _LOADED[modname if modname.startswith("civscore_plugins_dir.") else modname.split(".")[0]] = name

    def _check_pending(self) -> None:
        """A function marked ``@hookimpl`` whose name is no hook is an error."""
        known = [n for n in vars(hookspecs) if n.startswith("civscore_")]
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin) or repr(exc.plugin)
            bad = [n for n, caller in vars(self.pm.hook).items()
                   if isinstance(caller, pluggy.HookCaller) and not caller.has_spec()
                   and any(i.plugin is exc.plugin for i in caller.get_hookimpls())]
            hook = bad[0] if bad else "?"
            raise PluginError(_("plugin {name!r}: {hook!r} is not a civscore hook{hint}; see docs/plugins.md for the hooks")
                              .format(name=name, hook=hook, hint=did_you_mean(hook, known))) from None

    def _collect(self) -> None:
        """Ask every loaded plugin, in load order, what it registers.

        All of one plugin's answers are checked before any is registered: a
        plugin whose hook raises or returns something unusable is marked failed
        and contributes nothing (no scorer of a half-broken plugin is used). Two
        plugins providing one name is fatal, naming both."""
        reg = self.registry
        bases, own = BASE_CLASSES, _own_schemes()
        for name, info in list(self._infos.items()):
            if info.status != "ok":
                continue
            impls = {hookname: [i for i in getattr(self.pm.hook, hookname).get_hookimpls() if i.plugin_name == name]
                     for hookname in [h for h, _ in KINDS.values()] + ["civscore_schemes", "civscore_validate_scheme"]}
            hookname = ""
            try:
                provided: dict[str, list[tuple[str, Any]]] = {}
                for kind, (hookname, attr) in KINDS.items():
                    for impl in impls[hookname]:
                        for obj in list(impl.function() or []):
                            if not (isinstance(obj, type) and issubclass(obj, bases[kind])):
                                raise PluginError(_("{hook} returned {obj!r}, not a subclass of civscore.{base}").format(
                                    hook=hookname, obj=obj, base=bases[kind].__name__))
                            keys = getattr(obj, attr, None)
                            keys = [keys] if isinstance(keys, str) else list(keys or [])
                            if not keys or not all(isinstance(k, str) and k for k in keys):
                                raise PluginError(_("{hook} returned {obj} without a {attr}").format(
                                    hook=hookname, obj=obj.__name__, attr=attr))
                            provided.setdefault(kind, []).extend((key, obj) for key in keys)
                hookname = "civscore_schemes"
                for impl in impls[hookname]:
                    for key, path in dict(impl.function() or {}).items():
                        if not Path(path).is_file():
                            raise PluginError(_("civscore_schemes: scheme {key!r} points to {path}, which is not a file").format(
                                key=key, path=path))
                        if str(key) in own:
                            raise PluginError(_("civscore_schemes: scheme {key!r} is already shipped with civscore; "
                                                "give the plugin's scheme another name").format(key=str(key)))
                        provided.setdefault("schemes", []).append((str(key), str(path)))
            except PluginError as exc:
                self._fail(info, exc.message)
                continue
            except Exception as exc:
                self._fail(info, _("{hook} raised {error}").format(hook=hookname, error=f"{type(exc).__name__}: {_one_line(exc)}"))
                continue
            for kind, pairs in provided.items():
                for key, obj in pairs:  # a name clash is fatal: raises PluginError naming both
                    reg.add(kind, key, obj, name)
                info.provides[kind] = [key for key, _ in pairs]
            for impl in impls["civscore_validate_scheme"]:
                reg.validators.append((name, impl.function))

#: what each kind of registered object is called in messages
KIND_LABELS = {"scorers": N_("scorer"), "rating_methods": N_("rating method"), "readers": N_("reader"), "writers": N_("writer")}

#: the class each registering hook's objects must derive from
BASE_CLASSES: dict[str, type] = {"scorers": Scorer, "rating_methods": RatingMethod, "readers": Reader, "writers": Writer}


BUNDLED_IN_WHEEL = "criteria_bundled"   # pyproject.toml maps the top-level criteria/ here


def bundled_folder() -> Path | None:
    """The folder of the schemes shipped with civscore: the repository's top-level
    ``criteria/``, which a wheel carries as ``civscore/criteria_bundled``. An
    editable install (``pip install -e .``) has no such copy and reads the
    repository's folder next to the package."""
    package = Path(__file__).resolve().parent
    for folder in (package / BUNDLED_IN_WHEEL, package.parent / "criteria"):
        if folder.is_dir():
            return folder
    return None


def _own_schemes() -> set[str]:
    """Names of the schemes shipped inside civscore itself; a plugin cannot shadow them."""
    folder = bundled_folder()
    return {p.stem for p in folder.glob("*.toml")} if folder is not None else set()


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line (pluggy's span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


_DIR_PACKAGE = "civscore_plugins_dir"


def plugin_files() -> list[tuple[str, str]]:
    """``(module name, file)`` of every plugin module loaded from a plugins
    folder: what a worker process started with ``spawn`` loads again before
    it unpickles a scheme whose scorers they define."""
    return sorted((name, str(getattr(module, "__file__", "") or "")) for name, module in list(sys.modules.items())
                  if name.startswith(_DIR_PACKAGE + ".") and getattr(module, "__file__", None))


def load_plugin_files(files: Iterable[tuple[str, str]]) -> None:
    """Load the modules :func:`plugin_files` listed, under the same names (in a worker)."""
    for name, path in files:
        if name not in sys.modules:
            _import_file(Path(path))


def _import_file(path: Path) -> ModuleType:
    modname = f"{_DIR_PACKAGE}.{path.stem}"
    if _DIR_PACKAGE not in sys.modules:   # a package for the name, so pickle finds the plugins' classes (--jobs workers)
        package = ModuleType(_DIR_PACKAGE)
        package.__path__ = []
        sys.modules[_DIR_PACKAGE] = package
    spec = importlib.util.spec_from_file_location(modname, path)
    if spec is None or spec.loader is None:
        raise ImportError(_("cannot load {path}").format(path=path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(modname, None)
        raise
    return module


def _dist_version(module: ModuleType) -> str | None:
    top = module.__name__.split(".")[0]
    try:
        dists = metadata.packages_distributions().get(top) or []
        return metadata.version(dists[0]) if dists else None
    except Exception:  # pragma: no cover - metadata is best effort
        return None


#: top-level module name -> plugin name, of every third-party plugin loaded in this process
_LOADED: dict[str, str] = {}


def plugin_in_traceback(exc: BaseException) -> str | None:
    """The plugin whose code raised ``exc`` (the innermost plugin frame), if any.

    Lets the command line blame a plugin's writer or rating method, instead of
    reporting an internal error of civscore."""
    tb, culprit = exc.__traceback__, None
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        found = _LOADED.get(module) or _LOADED.get(module.split(".")[0])
        if found:
            culprit = found
        tb = tb.tb_next
    return culprit
