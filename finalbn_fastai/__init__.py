__version__ = "0.0.1"

import warnings
# torch 2.14 warns about torch.jit.script on every `import fastai`; it is fastai's to fix and says nothing to our users.
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)

from .core import *
from .data import *
from .model import *
from .evaluation import *
