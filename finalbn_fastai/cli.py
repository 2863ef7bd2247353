"""The `finalbn` command line: one dispatcher over subcommands whose options fastcore's `anno_parser` builds from the
functions' signatures and comments. Plain glue (no notebook): the work itself lives in the exported modules."""
from __future__ import annotations
import sys
from pathlib import Path
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

COMMANDS = {'demo': (demo, None), 'split': (split, ['data'])}

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
    func,pos = COMMANDS[name]
    try: args = vars(anno_parser(func, prog=f'finalbn {name}', pos=pos).parse_args(rest))
    except SystemExit as e: return e.code     # argparse has printed the usage and its one-line error (or --help)
    for k in ('pdb','xtra'): args.pop(k, None)
    try: func(**args)
    except (FinalBNError, OSError) as e:   # OSError: a path the system refused (permissions, not a folder, disk full)
        print(f"finalbn: error: {e}", file=sys.stderr)
        return 2
    return 0

if __name__ == '__main__': sys.exit(main())
