"""10. Loading the intent classifier (skops.io, which Rasa's LogisticRegressionClassifier.load
imports).

On import, skops lists the numpy and scipy ufuncs it trusts by name, and finds each one's
module with pickle's whichmodule: for every ufunc it tries every module loaded so far with
getattr, building an AttributeError message (with the module's repr) for each miss. In the
Rasa server, with TensorFlow loaded, that was about 750 look-ups, each over up to 1,600
modules: some 6 s of start-up. Here skops.io._utils is given a whichmodule that asks the
same modules in the same order and returns the same first match, reading a plain module's
own dictionary (what getattr reads for it) and calling getattr on anything else, without
building messages. It is put in place by an import hook, as skops builds its lists while
it is being imported.
"""

from __future__ import annotations

import importlib.machinery
import sys

WHY = "the cost is in a third-party module's import (skops.io._utils), before any Rasa code could choose otherwise"
PINS = {
    "skops.io._utils:whichmodule": "30196d417084316a",  # replaced
    "skops.io._utils:_getattribute": "8c1491982c7c60e9",
    "skops.io._utils:get_public_type_names": "2e66c98508461517",
    "skops.io._trusted_types": "3f7c2be044c26196",  # builds the trusted lists on import
    "rasa.nlu.classifiers.logistic_regression_classifier:LogisticRegressionClassifier.load": "2d8ec27bf0582219",
}

MISSING = object()


def fast_whichmodule(original):
    """skops.io._utils.whichmodule (pickle's), the same answer without the cost."""
    from types import ModuleType

    def whichmodule(obj, name):
        module_name = getattr(obj, "__module__", None)
        if module_name is not None:
            return module_name
        if "." in name or name == "<locals>" or hasattr(ModuleType, name):
            return original(obj, name)  # paths and module-type attributes: as it was
        for module_name, module in sys.modules.copy().items():
            if module_name in ("__main__", "__mp_main__") or module is None:
                continue
            own = getattr(module, "__dict__", None) if type(module) is ModuleType else None
            if own is None or "__getattr__" in own:  # a lazy or custom module: ask it
                found = getattr(module, name, MISSING)
            else:
                found = own.get(name, MISSING)
            if found is obj:
                return module_name
        return "__main__"

    whichmodule.__wrapped__ = original
    return whichmodule


class _SkopsHook:
    """Puts fast_whichmodule into skops.io._utils as soon as that module has run."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "skops.io._utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.whichmodule = fast_whichmodule(module.whichmodule)

        spec.loader.exec_module = exec_module
        return spec


def apply() -> None:
    if "skops.io._utils" in sys.modules:
        utils = sys.modules["skops.io._utils"]
        utils.whichmodule = fast_whichmodule(utils.whichmodule)
    elif not any(isinstance(finder, _SkopsHook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkopsHook())
