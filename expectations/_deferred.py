"""Load two of Great Expectations' imports on first use instead of at `import great_expectations` (issue 11).

`import great_expectations` imports every core expectation, and one of them
(`expect_column_kl_divergence_to_be_less_than`) imports `scipy.stats` and `altair` at module level: ~85 MiB of
resident memory (BENCHMARKS.md, "Validator RSS") that no Netra suite uses; the validator's limit is 250 MiB.

`defer()` puts a placeholder module for each into `sys.modules` before GX is imported. The placeholder holds the
module's spec, so `import altair` and `from scipy import stats` bind it without running the module; the first
attribute read of anything else (`stats.entropy`, `alt.Chart`, a submodule import's `__path__`) imports the real
module, puts it in `sys.modules`, copies its namespace into the placeholder and returns the attribute. Nothing is
stubbed: whatever uses them gets the real modules (tests/unit/test_deferred_imports.py), and if a GX release reads
one of them at import time, it is simply loaded then, as it would have been without this.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

#: Modules GX imports at module level and no Netra suite uses.
DEFERRED = ("scipy.stats", "altair")

_lock = threading.RLock()


class Deferred(types.ModuleType):
    """A module that imports its real self on the first read of an attribute it does not have."""

    def __getattr__(self, attr: str):
        return getattr(self._netra_load(), attr)

    def _netra_load(self) -> types.ModuleType:
        name = self.__name__
        with _lock:
            real = self.__dict__.get("_netra_real")
            if real is None:
                if sys.modules.get(name) is self:
                    del sys.modules[name]
                real = importlib.import_module(name)
                vars(self).update(vars(real))
                self.__dict__["_netra_real"] = real
                parent, _, child = name.rpartition(".")
                if parent and parent in sys.modules:
                    setattr(sys.modules[parent], child, real)
        return real

    def __dir__(self):
        return dir(self._netra_load())

    def __repr__(self) -> str:
        state = "loaded" if "_netra_real" in self.__dict__ else "not loaded yet"
        return f"<module {self.__name__!r} (deferred, {state})>"


def defer(names=DEFERRED) -> None:
    """Put a placeholder for each of `names` not imported yet (and installed) into sys.modules."""
    with _lock:
        for name in names:
            if name in sys.modules:
                continue
            spec = importlib.util.find_spec(name)  # imports the parent package (scipy's own is cheap and lazy)
            if spec is None:
                continue
            placeholder = Deferred(name)
            placeholder.__spec__ = spec
            placeholder.__loader__ = spec.loader
            placeholder.__file__ = spec.origin
            placeholder.__package__ = spec.parent if spec.submodule_search_locations is None else name
            sys.modules[name] = placeholder
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(sys.modules[parent], child, placeholder)


def loaded(name: str) -> bool:
    """Whether module `name` has really been imported (not just deferred)."""
    module = sys.modules.get(name)
    return module is not None and (not isinstance(module, Deferred) or "_netra_real" in module.__dict__)
