"""Snapshot, with the code before the reshaping (commit 2bd1e92), of every table and figure drawn from the committed results files.

It ran once, on the code of commit 2bd1e92 (before issue 15 reshaped the package), and will not run on the reshaped API;
tests/test_results_compat.py draws the same tables with the current code and compares."""
import json, sys
from pathlib import Path
import numpy as np, pandas as pd, matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from snapshot_utils import flatten, fig_values
from finalbn_fastai.experiments import load_results
from finalbn_fastai.mnist import MnistConfig, table_4_7, table_4_8
from finalbn_fastai import tables as T
R = str(HERE.parents[1]/'nbs'/'results') + '/'
cpu,add,rem = (load_results(R+f) for f in ('cpu.csv','additional.csv','remedies.csv'))
mn,mrem = (load_results(R+f, MnistConfig) for f in ('mnist.csv','mnist_remedies.csv'))
snap = {
        'tables': {'4.2': flatten(T.table_4_2(cpu)), '4.6': flatten(T.table_4_6(cpu)), '4.4': flatten(T.table_4_4(cpu)),
                   '4.3 Apple': flatten(T.table_4_3(cpu, 'Apple')), '4.3 Tomato': flatten(T.table_4_3(cpu, 'Tomato')),
                   'switch_gains': flatten(T.switch_gains(cpu)), '4.7': flatten(table_4_7(mn)), '4.8': flatten(table_4_8(mn)),
                   'remedies': flatten(T.remedies_table(rem)), 'mnist remedies': flatten(T.remedies_table(mrem))},
        'figures': {}}
for name,fn in [('fig4.3', lambda p: T.fig_4_3(cpu, p)), ('fig4.6', lambda p: T.fig_4_6(cpu, p)), ('fig4.7', lambda p: T.fig_4_7(cpu, p))]:
    for p in ('Apple','Tomato'):
        f = fn(p); snap['figures'][f'{name} {p}'] = fig_values(f); plt.close(f)
f = T.fig_4_5(cpu); snap['figures']['fig4.5'] = fig_values(f); plt.close(f)
json.dump(snap, open(HERE/'before_reshaping.json', 'w'), indent=0, sort_keys=True)
print({k: {n: len(v) for n,v in d.items()} for k,d in snap.items()})
