"""The README's result tables, drawn from the committed results files in nbs/results: the README holds exactly what
this prints, and tests/test_package.py checks that it does. After new runs are committed, paste the new tables in.
Run: .venv/bin/python tools/readme_tables.py"""
from pathlib import Path
import pandas as pd
from finalbn_fastai.config import DigitsConfig
from finalbn_fastai.results import load_results
from finalbn_fastai.tables import table_4_2, table_4_6, table_4_7, table_4_8, demo_table, remedies_table, paper_table, class_scores

RESULTS = Path(__file__).resolve().parents[1]/'nbs'/'results'

def _md(header, rows) -> str:
    "A markdown table"
    return '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + ' --- |'*len(header)] + ['| ' + ' | '.join(map(str, r)) + ' |' for r in rows])

def _g(v) -> str: return f'{round(v, 3):g}'

def leaves_table() -> str:
    "Unhealthy test F1 per plant (mean over seeds) without the final BN, with the weighted loss, with the final BN, with it removed at the test; the paper's in brackets"
    cpu = load_results(RESULTS/'cpu.csv')
    t2,t6 = table_4_2(cpu),table_4_6(cpu)
    cell = lambda t,c,p: f"{t.loc[(p,'unhealthy'), (c,'ours')]:.3f} ({_g(t.loc[(p,'unhealthy'), (c,'paper')])})"
    rows = [[p, cell(t2, 'without final BN', p), cell(t2, 'with WL (no BN)', p), cell(t2, 'with final BN (no WL)', p), cell(t6, 'final BN removed at test', p)]
            for p in ('Apple', 'Tomato')]
    return _md(['plant', 'without final BN', 'weighted loss, no BN', 'final BN, no WL', 'final BN removed at test'], rows)

def demo_runs_table() -> str:
    "The demo's summary at the default momentum"
    res = load_results(RESULTS/'demo.csv')
    t = demo_table(res[res.momentum == DigitsConfig().momentum])
    return _md(['model'] + list(t.columns), [[i, *r] for i,r in zip(t.index, t.itertuples(index=False))])

def mnist_table() -> str:
    "Minority F1 without → with the final BN on MNIST, ours beside the paper's"
    mn = load_results(RESULTS/'mnist.csv')
    t7,t8 = table_4_7(mn),table_4_8(mn)
    def arrow(a, b, fmt): return f'{fmt(a)} → {fmt(b)}'
    def s47(ratio, setting, digit, label):
        r = t7.loc[('cnn', ratio, 1000, 20, setting, digit)]
        return [label, arrow(r[('without final BN','ours')], r[('with final BN','ours')], lambda v: f'{v:.3f}'),
                arrow(r[('without final BN','paper')], r[('with final BN','paper')], lambda v: f'{v:.2f}') if ratio == 0.01 else
                "(the chapter's text gives 0.1, its table 0.01)"]
    def s48(a, l, fb, label, both=True):
        r = lambda nb: t8.loc[('mlp', 0.01, 1000, 100, a, l, fb, nb)][('F1 of 3 (minority)', 'ours')]
        p = lambda nb: t8.loc[('mlp', 0.01, 1000, 100, a, l, fb, nb)][('F1 of 3 (minority)', 'paper')]
        if both: return [label, arrow(r(False), r(True), lambda v: f'{v:.3f}'), arrow(p(False), p(True), lambda v: f'{v:.2f}')]
        return [label, f'{r(True):.3f}', f'{p(True):.2f}']
    rows = [s47(0.01, 1, 3, 'simple CNN, 3 vs 8, ratio 0.01'), s47(0.01, 2, 2, 'simple CNN, 2 vs 8, ratio 0.01'),
            s47(0.01, 4, 3, 'simple CNN, 3 vs {5, 8} (two majority digits), ratio 0.01'), s47(0.1, 1, 3, 'simple CNN, 3 vs 8, ratio 0.1'),
            s48('softmax', 'cce', False, 'one hidden layer, softmax + CCE, 3 vs 8, ratio 0.01, 100 epochs'),
            s48('sigmoid', 'bce', False, 'one hidden layer, sigmoid + BCE'),
            s48('softmax', 'cce', True, 'one hidden layer, BN after the hidden layer and final BN', both=False)]
    return _md(['setting', 'ours', 'paper'], rows)

def remedies_summary_table() -> str:
    "Per setting: the final BN's minority F1, the best remedy without the final BN (ties at 3 decimals named together), no remedy"
    res = {'leaves': remedies_table(load_results(RESULTS/'remedies.csv')), 'mnist': remedies_table(load_results(RESULTS/'mnist_remedies.csv'))}
    rows = []
    for kind,t in res.items():
        for (data,imb),g in t.groupby(level=['data','imbalance'], sort=False):
            g = g.droplevel(['data','imbalance'])['mean']
            others = g[[r for r in g.index if not r.startswith('final BN') and r != 'none']].round(3)
            best = others[others == others.max()]
            label = f"{data}, {imb.replace(',', ' + ')} leaves" if kind == 'leaves' else f"{data}, {imb}"
            rows.append([label, f"{g['final BN']:.3f}", f"{best.iloc[0]:.3f} ({', '.join(best.index)})", f"{g['none']:.3f}"])
    order = lambda r: (r[0].startswith('MNIST'), r[0].split(',')[1], r[0])
    return _md(['setting', 'final BN', 'best remedy without it', 'no remedy'], sorted(rows, key=order))

def own_data_table() -> str:
    "PlantVillage's tomato folders trained as a user's own images (nbs/24_own_data): per setting, the mean over seeds without → with the final BN"
    cs = class_scores(load_results(RESULTS/'own_data.csv'), 'Tomato_healthy')
    t = cs.groupby(['classes', 'final_bn']).mean()
    arrow = lambda n,c: f"{t.loc[(n, False), c]:.3f} → {t.loc[(n, True), c]:.3f}"
    label = {2: 'healthy vs Leaf Mold, 1000 + 10', 10: 'healthy vs 9 diseases, 1000 + 9 × 10'}
    return _md(['classes', 'disease F1 (mean)', 'disease recall (mean)', 'healthy F1', 'balanced accuracy', 'seeds'],
               [[label[n], arrow(n, 'others_f1'), arrow(n, 'others_recall'), arrow(n, 'majority_f1'), arrow(n, 'balanced_accuracy'),
                 int(cs[(cs.classes == n) & cs.final_bn].seed.nunique())] for n in (2, 10)])

TABLES = {'leaves': leaves_table, 'demo': demo_runs_table, 'mnist': mnist_table, 'remedies': remedies_summary_table, 'own_data': own_data_table}

if __name__ == '__main__':
    for k,f in TABLES.items(): print(f'{k}: {f.__doc__}\n\n{f()}\n')
