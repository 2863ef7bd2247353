"""The final BatchNorm layer for highly imbalanced image classification, with fastai.

Importing the package is light: each module is imported when one of its names is first used, so the configs and the
command line's `--help` need neither torch nor fastai. `from finalbn_fastai import *` imports every module but the
command line and the test helpers."""
__version__ = "0.0.1"

import warnings
from importlib import import_module
# torch 2.14 warns about torch.jit.script on every `import fastai`; it is fastai's to fix and says nothing to our users.
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)

_MODULES = ['core', 'paper', 'config', 'grids', 'data', 'digits', 'model', 'remedies', 'features', 'evaluation', 'training', 'seeds', 'decisions',
            'inference', 'export', 'results', 'sweeps', 'interpretation', 'app', 'stats', 'tables', 'summaries', 'effect']   # in the data's order; not `cli` nor `test_utils`

def __getattr__(name:str):
    "A public name of one of `_MODULES` (importing it on first use), or `__all__`, all of them"
    if name == '__all__': return [n for m in _MODULES for n in import_module(f'.{m}', __name__).__all__]
    if name.startswith('__'): raise AttributeError(name)
    for m in _MODULES:
        mod = import_module(f'.{m}', __name__)
        if name in mod.__all__: return getattr(mod, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
