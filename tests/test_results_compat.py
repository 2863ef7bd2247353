"""Reshaping the package changes no number: the committed results files load with their keys, every table and figure drawn
from them is what the code before the package's reshaping drew (tests/snapshots/before_reshaping.json), and runs of every kind
give, number for number, the rows that code gave (tests/snapshots/runs_before.json and demo_before.csv). The scripts that made
the snapshots ran once on that code and import its modules, which are gone; they are in the history
(git show 595daa4:tests/snapshots/make_before_reshaping.py, and make_runs_before.py).

The runs' rows depend on the CPU as well as the code: float sums' last digits differ between kernels (AVX-512 or AVX2 only),
and with them a small run's borderline predictions. runs_before.json is that code on the CPU it was made on; runs_before_avx2.json
the same script on the same code (a worktree of commit f8f34ca) on an AMD EPYC with AVX2 only, on 2026-12-06. A row must
equal one of them to the last digit."""
import json
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pandas as pd, pytest
from snapshot_utils import flatten, fig_values, differences
from finalbn_fastai.config import ImageConfig, MnistConfig
from finalbn_fastai.grids import demo_grid, with_seeds
from finalbn_fastai.results import load_results, row_config, late_columns
import finalbn_fastai as T   # every table and summary, whichever module draws it

ROOT = Path(__file__).resolve().parents[1]
SNAP = ROOT/'tests'/'snapshots'
RESULTS = ROOT/'nbs'/'results'

@pytest.fixture(scope='module')
def committed():
    return {f.name: load_results(f) for f in sorted(RESULTS.glob('*.csv'))}

def test_committed_files_load_with_their_keys(committed):
    "Catches a results file that no longer loads, a run dropped or doubled, and a config whose key changed"
    assert {'cpu.csv', 'additional.csv', 'remedies.csv', 'mnist.csv', 'mnist_remedies.csv'} <= set(committed)
    for name,df in committed.items():
        raw = pd.read_csv(RESULTS/name, dtype=str, keep_default_na=False)
        assert sorted(df.key) == sorted(raw.key.unique()), name
        assert [row_config(r).key for r in df.to_dict('records')] == df.key.tolist(), name
        raw = raw.drop_duplicates('key').reset_index(drop=True)             # values as the file has them, now typed
        assert [str(v) for v in df.final_bn] == raw.final_bn.tolist() and [str(v) for v in df.seed] == raw.seed.tolist(), name
        assert df.seconds.tolist() == [float(v) for v in raw.seconds], name

def _tables(committed):
    cpu,mn = committed['cpu.csv'],committed['mnist.csv']
    mn = mn[mn.n_majority == 1000]                                       # the runs of then: full MNIST came later
    return {'4.2': T.table_4_2(cpu), '4.6': T.table_4_6(cpu), '4.4': T.table_4_4(cpu), '4.3 Apple': T.table_4_3(cpu, 'Apple'),
            '4.3 Tomato': T.table_4_3(cpu, 'Tomato'), 'switch_gains': T.switch_gains(cpu), '4.7': T.table_4_7(mn), '4.8': T.table_4_8(mn),
            'remedies': T.remedies_table(committed['remedies.csv']), 'mnist remedies': T.remedies_table(committed['mnist_remedies.csv'])}

def test_tables_as_before(committed):
    "Catches any table whose numbers, rows or columns moved, to 12 significant digits"
    before = json.loads((SNAP/'before_reshaping.json').read_text())['tables']
    now = {k: flatten(v) for k,v in _tables(committed).items()}
    assert set(now) == set(before)
    for k in before: assert now[k] == before[k], k

def test_figures_as_before(committed):
    "Catches a figure that draws other lines or bars than before"
    before = json.loads((SNAP/'before_reshaping.json').read_text())['figures']
    cpu,now = committed['cpu.csv'],{}
    for name,fn in [('fig4.3', T.fig_4_3), ('fig4.6', T.fig_4_6), ('fig4.7', T.fig_4_7)]:
        for p in ('Apple', 'Tomato'):
            f = fn(cpu, p); now[f'{name} {p}'] = fig_values(f); plt.close(f)
    f = T.fig_4_5(cpu); now['fig4.5'] = fig_values(f); plt.close(f)
    assert now == before

@pytest.mark.parametrize('i', range(13))
def test_runs_as_before(i, plantvillage, mnist):
    "Catches a change in the order of seeding, data, model and fit of any kind of run: the row equals, to the last digit, what the code before gave on one of the CPUs it ran on"
    from finalbn_fastai.training import run
    refs = [json.loads((SNAP/f).read_text())[i] for f in ('runs_before.json', 'runs_before_avx2.json')]
    ref = refs[0]
    assert all(r['config'] == ref['config'] for r in refs)
    cfg = (ImageConfig if ref['kind'] == 'image' else MnistConfig)(**ref['config'])
    row = run(cfg).row
    assert cfg.key == ref['row']['key']
    expected = {k: v for k,v in ref['row'].items() if k != 'version'}
    late = late_columns(type(cfg))
    added = set(late) - set(expected)                                   # columns added since, each at the value the runs of then had
    assert set(expected) == set(row) - {'seconds', 'version'} - added and all(row[c] == late[c] for c in added)
    got = {k: v for k,v in row.items() if k in expected}
    diffs = [differences(got, {k: v for k,v in r['row'].items() if k != 'version'}, rel=0) for r in refs]
    assert min(diffs, key=len) == [], min(diffs, key=len)

def test_demo_as_before():
    "Catches a change in the demo's runs, which now go through the same `run` as the study's"
    from finalbn_fastai.training import run
    before = pd.read_csv(SNAP/'demo_before.csv')
    for cfg in with_seeds(demo_grid(), [0, 3]):
        row = run(cfg).row
        ref = before[(before.final_bn == cfg.final_bn) & (before.seed == cfg.seed)].iloc[0]
        assert (row['minority_f1'], row['majority_f1']) == (ref.minority_f1, ref.majority_f1), cfg
