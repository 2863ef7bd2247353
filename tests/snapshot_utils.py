"Flatten tables and figures into plain values, so that the same numbers compare equal whatever the dtypes and index types that carry them"
import math
import numpy as np, pandas as pd

def _val(v):
    "A cell as a plain, comparable value: booleans and strings as text, numbers to 12 significant digits, missing as 'nan'"
    if isinstance(v, (bool, np.bool_)): return str(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        return 'nan' if math.isnan(float(v)) else float(f'{float(v):.12g}')
    if v is None or (isinstance(v, float) and math.isnan(v)): return 'nan'
    return str(v)

def _label(k):
    "A row or column label as text, tuples joined with '|'"
    return '|'.join(str(_val(o)) for o in k) if isinstance(k, tuple) else str(_val(k))

def flatten(df:pd.DataFrame) -> dict:
    "`{'row label || column label': value}` of every cell of `df`"
    return {f'{_label(i)} || {_label(c)}': _val(v) for i,row in zip(df.index, df.itertuples(index=False)) for c,v in zip(df.columns, row)}

def fig_values(fig) -> dict:
    "`{'axes title || line or bar': [x..., y...]}` of the lines and bars a figure draws"
    out = {}
    for i,ax in enumerate(fig.axes):
        t = f'{i}:{ax.get_title()}'
        for j,l in enumerate(ax.lines):
            out[f'{t} || line {j} {l.get_label()}'] = [_val(v) for v in list(l.get_xdata()) + list(l.get_ydata())]
        bars = [p.get_height() for p in ax.patches]
        if bars: out[f'{t} || bars'] = [_val(v) for v in bars]
    return out
