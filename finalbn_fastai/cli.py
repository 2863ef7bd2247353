"""The `finalbn` command line: one dispatcher over subcommands whose options fastcore's `anno_parser` builds from the
functions' signatures and comments. Plain glue (no notebook): the work itself lives in the exported modules."""
from __future__ import annotations
import sys
from pathlib import Path
from fastcore.basics import num_cpus
from fastcore.script import anno_parser
from .core import FinalBNError

def demo(out:str='demo_out', # folder for demo.csv (a row per seed and model) and demo.png (the bar chart)
         seeds:int=10,       # number of seeds; each trains the model with and without the final BN on the same split
         epochs:int=50,      # epochs of fastai's one-cycle schedule per run
        ):
    "The final-BN effect on scikit-learn's bundled digits, 120 eights vs 2 threes, a net with one hidden layer (no download)"
    from .demo import demo as run_demo
    print(f"Digits (scikit-learn): train 120 x '8' + 2 x '3', test 50 + 50; one hidden layer of 128; {seeds} seed(s), {epochs} epochs each")
    res = run_demo(out, seeds=seeds, epochs=epochs)
    print(res.to_string())
    print(f"Per-seed rows: {Path(out)/'demo.csv'}   chart: {Path(out)/'demo.png'}")

def split(data:str,                   # folder of PlantVillage class folders (canonical 'Apple___Black_rot' or Kaggle 'Tomato_healthy')
          plant:str=None,             # the plant to split, e.g. Apple or Tomato (required)
          out:str='manifest.csv',     # where to write the manifest CSV
          seed:int=0,                 # random seed of the draw: same seed, same manifest
          train:str='1000,10',        # healthy,unhealthy images for training
          valid:str='150,7',          # healthy,unhealthy images for validation
          test:str='150,150',         # healthy,unhealthy images for the test
          force:bool=False,           # overwrite --out if it exists
         ):
    "Draw the paper's skewed train/valid/test split of one plant, disjoint by image content, and save it as a manifest CSV"
    if not plant: raise FinalBNError("--plant is required, e.g. --plant Apple")
    import warnings
    from .data import plantvillage_items, skewed_split, save_manifest, counts_pair
    counts = {k:counts_pair(v, f'--{k}') for k,v in dict(train=train, valid=valid, test=test).items()}
    out = Path(out)
    if out.is_dir(): raise FinalBNError(f"--out {out} is a folder; name the manifest file, e.g. {out/'manifest.csv'}")
    if out.exists() and not force: raise FinalBNError(f"{out} exists; pass --force to overwrite it")
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        items = plantvillage_items(data)
    for w in ws: print(f"finalbn: warning: {w.message}", file=sys.stderr)
    m = skewed_split(items, plant, seed=seed, **counts)
    save_manifest(m, out)
    tab = m.groupby(['split','label'], sort=False).size().unstack(fill_value=0)
    print(f"{m.plant.iloc[0]}, seed {seed}: {len(m)} images written to {out}\n{tab.to_string()}")

def _config_parser(prog:str, doc:str, results:bool=True):
    "A parser whose options are the fields of `Config` (same names, same defaults), plus the results file and data folder"
    from .experiments import Config
    p = anno_parser(Config, prog=prog)
    p.description = doc
    if results: p.add_argument('--results', default='results.csv', help='results CSV: one row per finished run, appended (default: results.csv)')
    p.add_argument('--data', default=None, help='folder of PlantVillage class folders (default: ../shared/data/plantvillage or $FINALBN_DATA)')
    return p

def _config(args:dict):
    from dataclasses import fields
    from .experiments import Config
    from .model import get_arch
    cfg = Config(**{f.name: args.pop(f.name) for f in fields(Config)})
    get_arch(cfg.arch)                       # an unknown arch fails now, not after the first run
    return cfg

def _ints(s:str, what:str) -> list[int]:
    try: return [int(o) for o in str(s).split(',') if o.strip()]
    except ValueError: raise FinalBNError(f"--{what} takes whole numbers separated by commas, got {s!r}") from None

def _report(res, results):
    from .data import LABELS
    cols = ['config_id','plant','final_bn','weighted_loss','train','bs','seed'] + [f'{c}_f1' for c in LABELS] + ['seconds']
    print(res[cols].to_string(index=False))
    print(f"{len(res)} run(s) in {results}")

def run_cmd(args:dict):
    "Train and test one configuration (options: the fields of Config) and append its row to the results file"
    from .experiments import sweep
    results,data = args.pop('results'),args.pop('data')
    _report(sweep([_config(args)], results, data), results)

def sweep_cmd(args:dict):
    "Run a sweep of the study (the paper's grid of switches, the imbalance ratio or the batch size) over seeds; resumable"
    from .experiments import sweep, paper_grid, ratio_sweep, batch_sweep, with_seeds
    from .tables import remedy_grid
    results,data,grid,workers = args.pop('results'),args.pop('data'),args.pop('grid'),args.pop('workers')
    if workers < 1: raise FinalBNError(f"--workers must be at least 1, got {workers}")
    names = [o.strip() for o in args.pop('switches').split(',') if o.strip()]
    unhealthy,batch,seeds = _ints(args.pop('unhealthy'), 'unhealthy'),_ints(args.pop('batch_sizes'), 'batch-sizes'),args.pop('seeds')
    if seeds < 1: raise FinalBNError(f"--seeds must be at least 1, got {seeds}")
    base = _config(args)
    configs = {'paper': lambda: paper_grid(base, names), 'ratio': lambda: ratio_sweep(base, unhealthy),
               'batch': lambda: batch_sweep(base, batch), 'one': lambda: [base], 'remedies': lambda: remedy_grid(base)}[grid]()
    if not configs: raise FinalBNError(f"the {grid} sweep has no configurations: check --switches, --unhealthy or --batch-sizes")
    configs = with_seeds(configs, range(base.seed, base.seed+seeds))
    print(f"{grid} sweep: {len(configs)} run(s) ({len(configs)//seeds} configuration(s) x {seeds} seed(s)) into {results}")
    _report(sweep(configs, results, data, workers=workers), results)

def _sweep_parser(prog, doc):
    p = _config_parser(prog, doc)
    p.add_argument('--grid', choices=['paper','ratio','batch','one','remedies'], default='paper',
                   help="paper: the grid of --switches (all six: the 64 of Tables 4.3/4.4); ratio: Figure 4.6; batch: Figure 4.7; one: the config alone; "
                        "remedies: the final BN against and with the other remedies for imbalance (default: paper)")
    p.add_argument('--switches', default='BN,WL,DA,MX,UF,WD', help='switches of the paper grid, the others as in the config (default: all six)')
    p.add_argument('--unhealthy', default=','.join(map(str, range(5,101,5))), help='unhealthy training counts of the ratio sweep (default: 5,10,...,100)')
    p.add_argument('--batch-sizes', dest='batch_sizes', default='16,32,64,128,256', help='batch sizes of the batch sweep (default: 16,32,64,128,256)')
    p.add_argument('--seeds', type=int, default=1, help='seeds per configuration, counting up from --seed (the paper: 10) (default: 1)')
    p.add_argument('--workers', type=int, default=1, help='runs at once, each in its own process with an equal share of the cores; '
                   'pays off for small runs (cached features, small images) (default: 1)')
    return p

def inside_cmd(args:dict):
    "Train one pair of models, without and with the final BN, and draw Table 4.5, Figures 4.4, 4.8, 4.9 and confidence histograms"
    out,data,watch = Path(args.pop('out')),args.pop('data'),args.pop('watch')
    if watch < 1: raise FinalBNError(f"--watch must be at least 1, got {watch}")
    if out.exists() and not out.is_dir(): raise FinalBNError(f"--out {out} is a file; name a folder for the figures")
    base = _config(args)
    import matplotlib; matplotlib.use('Agg')
    import pandas as pd
    from .inside import inside_pair, inside_figures, save_inside
    print(f"{base.plant}, {base.arch}: training the pair (without and with the final BN), Grad-CAM of {watch} test leaves per epoch")
    figs = inside_figures(inside_pair(base, watch, data))
    files = save_inside(figs, out)
    with pd.option_context('display.width', 200, 'display.max_colwidth', 60):
        print(f"\nTable 4.5 (softmax of 'unhealthy'):\n{figs['table_4_5'].round(3).to_string()}\n\nCalibration:\n{figs['calibration'].round(3).to_string()}")
    print(f"\n{len(files)} files written to {out}: {', '.join(f.name for f in files)}")

def _inside_parser(prog, doc):
    p = _config_parser(prog, doc, results=False)
    p.add_argument('--out', default='inside_out', help='folder for the PNG figures and CSV tables (default: inside_out)')
    p.add_argument('--watch', type=int, default=3, help='test leaves (unhealthy first) whose Grad-CAM maps are recorded every epoch (default: 3)')
    return p

def mnist(name:str,                  # what to run: 4.7 (digit settings, simple CNN), 4.8 (activation x loss x BN, one hidden layer) or remedies (3 vs 8, simple CNN)
          results:str='mnist.csv',    # results CSV of MNIST runs: one row per finished run, appended; resumable
          seeds:int=10,               # seeds per configuration (the paper: 10)
          epochs:int=None,            # epochs per run (default: 20 for Table 4.7, 100 for Table 4.8)
          ratio:float=None,           # minority training images per majority one (default: 0.1 for Table 4.7, 0.01 for Table 4.8)
          n_majority:int=1000,        # training images per majority digit
          model:str=None,             # cnn or mlp (default: cnn for Table 4.7, mlp for Table 4.8)
          data:str=None,              # MNIST folder: IDX files or fastai's mnist_png (default: ../shared/data/mnist or $FINALBN_DATA/mnist)
          workers:int=None,           # runs at once, each in its own process on one thread (default: one per core, at most 8); the numbers do not depend on it
         ):
    "Run the MNIST sweep of Table 4.7 or 4.8 (resumable) and print the table beside the paper's, or the remedies comparison on 3 vs 8"
    if name not in ('4.7', '4.8', 'remedies'): raise FinalBNError(f"unknown MNIST sweep {name!r}; choose 4.7, 4.8 or remedies")
    if seeds < 1: raise FinalBNError(f"--seeds must be at least 1, got {seeds}")
    if workers is None: workers = min(8, num_cpus())
    if workers < 1: raise FinalBNError(f"--workers must be at least 1, got {workers}")
    import pandas as pd
    from .mnist import MNIST_SCALES, table_4_7_configs, table_4_8_configs, table_4_7, table_4_8
    from .experiments import sweep, with_seeds
    from .tables import remedy_grid, remedies_table
    key = 't48' if name=='4.8' else 't47'
    base = MNIST_SCALES['paper'][key]
    base = base.replace(**{k: v for k,v in dict(epochs=epochs, ratio=ratio, n_majority=n_majority, model=model).items() if v is not None})
    if name == 'remedies': configs = with_seeds(remedy_grid(base.replace(majority='8', minority='3')), seeds)
    else: configs = (table_4_7_configs if name=='4.7' else table_4_8_configs)(base, seeds)
    print(f"{'Table '+name if name!='remedies' else 'Remedies'}: {len(configs)} run(s) ({base.model}, ratio {base.ratio}, "
          f"{base.n_majority} per majority digit, {base.epochs} epochs) into {results}, {workers} at a time")
    res = sweep(configs, results, data, workers=workers)
    t = {'4.7': table_4_7, '4.8': table_4_8, 'remedies': remedies_table}[name](res)
    with pd.option_context('display.width', 250, 'display.max_columns', 50): print(t.round(3).to_string())

TABLES = ['4.2','4.3','4.4','4.6','4.7','4.8','fig4.3','fig4.5','fig4.6','fig4.7','remedies']

def table(name:str,                  # one of 4.2, 4.3, 4.4, 4.6, 4.7, 4.8 (tables; 4.7 and 4.8 from MNIST results), fig4.3, fig4.5, fig4.6, fig4.7 (figures) or remedies
          results:str='results.csv', # results CSV written by finalbn run or sweep
          plant:str='Apple',         # the plant of Table 4.3 and Figures 4.3, 4.6 and 4.7
          out:str=None,              # write the table as CSV, or the figure as PNG, to this file
         ):
    "Print one of the paper's tables from a results file, the paper's numbers beside ours (or draw a figure)"
    if name not in TABLES: raise FinalBNError(f"unknown table {name!r}; choose one of {', '.join(TABLES)}")
    import pandas as pd
    from . import tables as T
    from .experiments import load_results
    from . import mnist as M
    if name in ('4.7', '4.8'):
        res = load_results(results, M.MnistConfig)
        T = M
    elif name == 'remedies':                              # the comparison on PlantVillage or on MNIST
        try: res = load_results(results)
        except FinalBNError as e:
            try: res = load_results(results, M.MnistConfig)
            except FinalBNError: raise e from None
    else: res = load_results(results)
    if not len(res): raise FinalBNError(f"{results} holds no finished runs yet")
    if name.startswith('fig'):
        import matplotlib; matplotlib.use('Agg')
        fn = getattr(T, 'fig_'+name[3:].replace('.','_'))
        fig = fn(res) if name=='fig4.5' else fn(res, plant)
        out = out or f"{name.replace('.','_')}.png"
        fig.savefig(out, dpi=120, bbox_inches='tight')
        print(f"Figure {name[3:]} from {len(res)} run(s) written to {out}")
        return
    if name == 'remedies':
        t = T.remedies_table(res)
        if not len(t): raise FinalBNError(f"{results} holds no runs of the remedies comparison: run finalbn sweep --grid remedies")
    else: t = T.table_4_3(res, plant) if name=='4.3' else getattr(T, 'table_'+name.replace('.','_'))(res)
    with pd.option_context('display.width', 250, 'display.max_columns', 50):
        what = ("Remedies against the final BN: minority F1 (mean, 95% bootstrap interval over n seeds), paired difference, Wilcoxon p, "
                "Holm-corrected" if name == 'remedies' else f"Table {name}: ours (mean over n runs) beside the paper's")
        print(f"{what}; from {results}\n")
        print(t.round(4).to_string())
    if out: t.to_csv(out); print(f"written to {out}")

COMMANDS = {'demo': (demo, None), 'split': (split, ['data']), 'run': (run_cmd, _config_parser),
            'sweep': (sweep_cmd, _sweep_parser), 'table': (table, ['name']), 'inside': (inside_cmd, _inside_parser),
            'mnist': (mnist, ['name'])}

def _usage() -> str:
    width = max(map(len, COMMANDS))
    cmds = '\n'.join(f"  {k:<{width}}  {f.__doc__}" for k,(f,_) in COMMANDS.items())
    return (f"usage: finalbn COMMAND [options]\n\nThe final BatchNorm layer for imbalanced image classification "
            f"(Kocaman, Shir & Bäck), with fastai.\n\ncommands:\n{cmds}\n\n'finalbn COMMAND --help' lists a command's options.")

def main(argv=None) -> int:
    "Entry point of `finalbn`: dispatch to a subcommand; bad input ends in one line on stderr and exit status 2"
    argv = [str(o) for o in (sys.argv[1:] if argv is None else argv)]
    if not argv or argv[0] in ('-h','--help'):
        print(_usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    name,rest = argv[0],argv[1:]
    if name not in COMMANDS:
        print(f"finalbn: error: unknown command {name!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    func,how = COMMANDS[name]
    prog = f'finalbn {name}'
    try:
        p = how(prog, func.__doc__) if callable(how) else anno_parser(func, prog=prog, pos=how)
        args = vars(p.parse_args(rest))
    except SystemExit as e: return e.code     # argparse has printed the usage and its one-line error (or --help)
    for k in ('pdb','xtra'): args.pop(k, None)
    try: func(args) if callable(how) else func(**args)
    except (FinalBNError, OSError) as e:   # OSError: a path the system refused (permissions, not a folder, disk full)
        print(f"finalbn: error: {e}", file=sys.stderr)
        return 2
    return 0

if __name__ == '__main__': sys.exit(main())
