"""The README's result tables, drawn from the committed results files in nbs/results: the README holds exactly what
this prints, and tests/test_package.py checks that it does. After new runs are committed, paste the new tables in.
Run: .venv/bin/python tools/readme_tables.py"""
from pathlib import Path
import pandas as pd
from finalbn_fastai.config import DigitsConfig, MAP_GRIDS
from finalbn_fastai.results import load_results
from finalbn_fastai.tables import bodies_table, table_4_2, table_4_6, table_4_7, table_4_8, demo_table, remedies_table, paper_table, class_scores, momentum_table
from finalbn_fastai.effect import stated_choices, verdicts, scored_runs, effect_pairs, effect_points, fit_rules, rule_text, map_table, body_table

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
    "Minority F1 without → with the final BN on MNIST, at the stated protocol (1,000 + 10) and on full MNIST (all of the majority digits), the paper's beside"
    mn = stated_choices(load_results(RESULTS/'mnist.csv'))
    t7,t8 = table_4_7(mn).sort_index(),table_4_8(mn).sort_index()
    f3,f2 = (lambda v: f'{v:.3f}'),(lambda v: f'{v:.2f}')
    def arrow(r, fmt, col='ours', both=True):
        return f"{fmt(r[('without final BN', col)])} → {fmt(r[('with final BN', col)])}" if both else fmt(r[('with final BN', col)])
    def s47(ratio, setting, digit, label):
        cell = lambda n: arrow(t7.loc[('cnn', ratio, n, 20, setting, digit)], f3) if ('cnn', ratio, n, 20, setting, digit) in t7.index else 'not run'
        paper = arrow(t7.loc[('cnn', ratio, 1000, 20, setting, digit)], f2, 'paper') if ratio == 0.01 else "(the chapter's text gives 0.1, its captions 0.01)"
        return [label, cell(1000), cell(0), paper]
    def s48(a, l, fb, label, both=True):
        def r(n, col='ours'):
            g = t8.loc[('mlp', 0.01, n, 100, a, l, fb)][('F1 of 3 (minority)', col)]
            return f"{g[False]:.{3 if col=='ours' else 2}f} → {g[True]:.{3 if col=='ours' else 2}f}" if both else f"{g[True]:.{3 if col=='ours' else 2}f}"
        return [label, r(1000), r(0), r(1000, 'paper')]
    rows = [s47(0.01, 1, 3, 'simple CNN, 3 vs 8, ratio 0.01'), s47(0.01, 2, 2, 'simple CNN, 2 vs 8, ratio 0.01'),
            s47(0.01, 4, 3, 'simple CNN, 3 vs {5, 8} (two majority digits), ratio 0.01'), s47(0.1, 1, 3, 'simple CNN, 3 vs 8, ratio 0.1'),
            s48('softmax', 'cce', False, 'one hidden layer, softmax + CCE, 3 vs 8, ratio 0.01, 100 epochs'),
            s48('sigmoid', 'bce', False, 'one hidden layer, sigmoid + BCE'),
            s48('softmax', 'cce', True, 'one hidden layer, BN after the hidden layer and final BN', both=False)]
    return _md(['setting', 'ours, 1,000 + 10 (the stated protocol)', 'ours, full MNIST', 'paper'], rows)

def verdict_table() -> str:
    "The study's verdict: each table and figure of the chapter, the paper's numbers, ours under the stated protocol, the verdict and the chapter notebook (effect.verdicts)"
    v = verdicts(RESULTS, RESULTS.parent/'figures')
    return _md(['', "the chapter's claim", 'paper', 'ours', 'verdict', 'chapter'],
               [[r.item, r.claim, r.paper, r.ours, f'**{r.verdict}**', f'[{r.chapter}](nbs/{r.chapter}.ipynb)'] for r in v.itertuples()])

def map_rule() -> str:
    "The rules fitted to the map of every committed results file, one per kind of training (effect.fit_rules), in words"
    return '\n>\n> '.join(rule_text(r, tr) for tr,r in fit_rules(effect_points(effect_pairs(scored_runs(RESULTS)))).items())

def map_summary_table() -> str:
    "The MNIST map (nbs/results/mnist_map.csv): per open choice and network, the baseline's minority recall and the final BN's gain, and their change from the centre"
    t = map_table(load_results(RESULTS/'mnist_map.csv'), 'main')
    lbl = {'centre': 'the stated protocol: 1,000 + 10 (centre)', 'n_majority': 'majority images', 'n_minority': 'minority images', 'epochs': 'epochs',
           'schedule': 'schedule', 'scaling': 'pixels', 'full MNIST at ratio 0.01': 'full MNIST at 1% (5,651 + 57)'}   # in this order
    lv = MAP_GRIDS['main'].levels
    order = lambda k: (list(lbl).index(k[0]), [str(v) if v else 'full' for v in lv[k[0]]].index(k[1]) if k[0] in lv else 0)
    keys = sorted(dict.fromkeys((f, l) for _,f,l in t.index), key=order)
    def cell(m, f, l):
        if (m, f, l) not in t.index: return "its centre's"
        r = t.loc[(m, f, l)]
        return f"{r['baseline recall']:.2f} / {r['gain']:+.3f}" + ('' if f == 'centre' else f" ({r['Δ baseline recall']:+.2f} / {r['Δ gain']:+.3f})")
    return _md(['open choice', 'level', 'simple CNN (20 epochs): recall / gain (Δ from centre)', 'one hidden layer (100 epochs): recall / gain (Δ)'],
               [[lbl.get(f, f), l, cell('cnn', f, l), cell('mlp', f, l)] for f,l in keys])

def body_readme_table() -> str:
    "Table 4.7's 3 vs 8 through the frozen EfficientNet-Lite0 body at the leaves' counts (nbs/results/mnist_body.csv), beside the simple CNN at 1,000 + 10 and the paper"
    bt = body_table(load_results(RESULTS/'mnist_body.csv'))
    t7 = table_4_7(stated_choices(load_results(RESULTS/'mnist.csv'))).sort_index().loc[('cnn', 0.01, 1000, 20, 1, 3)]
    f = lambda a,b: f'{a:.3f} → {b:.3f}'
    return _md(['3 vs 8, minority F1 without → with the final BN', 'frozen EfficientNet-Lite0, leaves\' counts', 'simple CNN, 1,000 + 10', 'paper'],
               [['F1 of 3', f(*bt['F1 of 3 (minority)']), f(t7[('without final BN', 'ours')], t7[('with final BN', 'ours')]), '0.19 → 0.55'],
                ['recall of 3', f(*bt['recall of 3']), '', '']])

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
    "PlantVillage's tomato folders trained as a user's own images (nbs/40_own_data): per setting, the mean over seeds without → with the final BN"
    cs = class_scores(load_results(RESULTS/'own_data.csv'), 'Tomato_healthy')
    t = cs.groupby(['classes', 'final_bn']).mean()
    arrow = lambda n,c: f"{t.loc[(n, False), c]:.3f} → {t.loc[(n, True), c]:.3f}"
    label = {2: 'healthy vs Leaf Mold, 1000 + 10', 10: 'healthy vs 9 diseases, 1000 + 9 × 10'}
    return _md(['classes', 'disease F1 (mean)', 'disease recall (mean)', 'healthy F1', 'balanced accuracy', 'seeds'],
               [[label[n], arrow(n, 'others_f1'), arrow(n, 'others_recall'), arrow(n, 'majority_f1'), arrow(n, 'balanced_accuracy'),
                 int(cs[(cs.classes == n) & cs.final_bn].seed.nunique())] for n in (2, 10)])

def momentum_readme_table() -> str:
    "The final BN's momentum (nbs/41_momentum): per data set, the minority F1 and the ECE (means over seeds) without the final BN and at each momentum"
    t = pd.concat([momentum_table(load_results(RESULTS/'momentum_demo.csv'), name='demo digits 3 vs 8'), momentum_table(load_results(RESULTS/'momentum.csv')),
                   momentum_table(load_results(RESULTS/'momentum_mnist.csv'))])
    settings = list(dict.fromkeys(t.index.get_level_values('setting')))
    rows = [[d] + [f"{t.loc[(d, st), 'minority_f1']:.3f} / {t.loc[(d, st), 'ece']:.3f}" for st in settings]
            for d in dict.fromkeys(t.index.get_level_values('data'))]
    return _md(['minority F1 / ECE'] + settings, rows)

def decisions_table() -> str:
    "Calibration and operating points on Tomato (nbs/43_operating_points, nbs/figures/decisions.csv): per model and test-time setting, the mean over seeds"
    d = pd.read_csv(RESULTS.parent/'figures'/'decisions.csv')   # beside its figure: not a results file of runs
    g = d.groupby(['final_bn', 'tta']).mean(numeric_only=True)
    a = lambda r,x,y: f"{r[x]:.3f} → {r[y]:.3f}"
    prf = lambda r,h: f"{r[h + '_precision']:.3f} / {r[h + '_recall']:.3f} / {r[h + '_f1']:.3f}"
    rows = [[f"{'with' if bn else 'without'} the final BN" + (', test-time augmentation' if tta else ''), a(r, 'ece_raw', 'ece_cal'), a(r, 'brier_raw', 'brier_cal'),
             prf(r, 'argmax'), prf(r, 'rule'), int(d[(d.final_bn == bn) & (d.tta == tta)].seed.nunique())] for (bn,tta),r in g.iterrows()]
    return _md(['model', 'ECE raw → calibrated', 'Brier raw → calibrated', 'diseased P / R / F1, arg-max', 'diseased P / R / F1, recall 0.95 rule', 'seeds'], rows)

def serve_app_table() -> str:
    "The page of finalbn serve in the README's screenshot: each model's prediction for each pictured test leaf"
    t = pd.read_csv(RESULTS.parent/'figures'/'serve_app.csv')     # beside its screenshot: not a results file of runs
    p = [c for c in t if c.startswith('p_')]
    return _md(['model', 'image', 'class', 'predicted'] + [f'p({c[2:]})' for c in p], [[r.model, r.image, r.true, r.pred, *(f'{getattr(r, c):.3f}' for c in p)] for r in t.itertuples()])

def bodies_readme_table() -> str:
    "Unhealthy test F1 per plant and body in Table 4.2's settings (mean over 10 seeds), and the final BN's paired gain over no final BN and over the weighted loss with their 95% bootstrap intervals (Lite0: cpu.csv; Lite1, Lite2: bodies.csv)"
    t = bodies_table(pd.concat([load_results(RESULTS/'cpu.csv'), load_results(RESULTS/'bodies.csv')], ignore_index=True))
    name = lambda a: a.replace('efficientnet_lite', 'EfficientNet-Lite')
    ci = lambda r,k: f"{r[k]:+.3f} [{r[k + ' lo']:+.3f}, {r[k + ' hi']:+.3f}]"
    rows = [[p, name(a), f"{r['without final BN']:.3f}", f"{r['with WL (no BN)']:.3f}", f"{r['with final BN (no WL)']:.3f}", ci(r, 'BN gain'), ci(r, 'BN − WL')]
            for (p,a),r in t.iterrows()]
    return _md(['plant', 'body', 'without final BN', 'weighted loss, no BN', 'final BN, no WL', 'final BN − none [95% CI]', 'final BN − WL [95% CI]'], rows)

TABLES = {'leaves': leaves_table, 'demo': demo_runs_table, 'mnist': mnist_table, 'verdict': verdict_table, 'map_rule': map_rule, 'map': map_summary_table, 'body': body_readme_table, 'remedies': remedies_summary_table, 'own_data': own_data_table, 'momentum': momentum_readme_table, 'decisions': decisions_table, 'serve_app': serve_app_table, 'bodies': bodies_readme_table}

if __name__ == '__main__':
    for k,f in TABLES.items(): print(f'{k}: {f.__doc__}\n\n{f()}\n')
