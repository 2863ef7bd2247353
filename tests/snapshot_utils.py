"Flatten tables and figures into plain values, so that the same numbers compare equal whatever the dtypes and index types that carry them"
import json, math
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

def differences(got, want, rel:float=0., where:str='') -> list[str]:
    """Where `got` and `want` differ, each difference named by its path: numbers by more than `rel` relative (default: any
    difference; NaN equals NaN), anything else exactly; JSON text (a run's history and post-hoc scores) compared inside"""
    if isinstance(got, str) and isinstance(want, str) and got[:1] in '[{' and got != want:
        try: got,want = json.loads(got),json.loads(want)
        except ValueError: pass
    if isinstance(got, dict) and isinstance(want, dict):
        if set(got) != set(want): return [f'{where}: keys {sorted(set(got) ^ set(want))}']
        return [d for k in want for d in differences(got[k], want[k], rel, f'{where}.{k}')]
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want): return [f'{where}: {len(got)} items, not {len(want)}']
        return [d for i,(g,w) in enumerate(zip(got, want)) for d in differences(g, w, rel, f'{where}[{i}]')]
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if num(got) and num(want):
        same = (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=rel, abs_tol=1e-9 if rel else 0.)
        return [] if same else [f'{where}: {got!r}, not {want!r}']
    return [] if got == want else [f'{where}: {got!r}, not {want!r}']
