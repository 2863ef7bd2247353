"""Ten seeds trained as one model (`run_seeds`) against the same ten seeds one after another through the package, and the
package's cost per seed, batched, against a plain PyTorch loop of one seed on the same tensors. All in this one process.

Three figures (the targets in brackets):
- the MNIST one-hidden-layer network of Table 4.8 (softmax, CCE, the final BN; 100 epochs): batched vs one after another [5x];
- the head on cached EfficientNet-Lite0 features of Table 4.2 (Apple, final BN, 10 epochs, 224 px; features cached first) [4x];
- the package's time per seed, batched, against a plain PyTorch loop (torch.optim.Adam) over one seed's tensors [1.0];
- Table 4.8 (90 runs) at the stated protocol (1,000 eights) [under 2 minutes] or on full MNIST (all eights) [under 12 minutes],
  ten seeds as one model, two models at a time on worker processes (the default of `finalbn mnist`).
Beside each, the limit this machine sets: the arithmetic of the runs at the multiply rate measured here, and the bytes fastai's
Adam moves per step (about ten passes over the parameters and their two moments) at the bandwidth measured here.
Run: .venv/bin/python benchmarks/seeds.py [--seeds 10] [--epochs 100] [--n-majority 1000] [--no-head] [--table stated|full|none]"""
import argparse, os, platform, tempfile, time
from pathlib import Path
import numpy as np, torch
from torch import nn
from finalbn_fastai.sweeps import sweep                # the package first: it quiets torch's warning about fastai, here and in the workers
from finalbn_fastai.config import ImageConfig
from finalbn_fastai.grids import SCALES, with_seeds, table_4_8_grid
from finalbn_fastai.training import run, config_split, config_learner, torch_threads
from finalbn_fastai.seeds import run_seeds, seeds_agree
from mnist import plain_loop_seconds                  # benchmarks/mnist.py, beside this script

def timed(f):
    t0 = time.time(); out = f(); return out, time.time()-t0

def machine(threads:int=1):
    "Multiply rate (GFLOP/s, a 64 x 784 by 784 x 128 product as in the runs) and copy bandwidth (GB/s) on `threads` threads"
    with torch_threads(threads):
        a,b = torch.randn(10, 64, 784),torch.randn(10, 784, 128)
        torch.bmm(a, b); _,t = timed(lambda: [torch.bmm(a, b) for _ in range(200)])
        rate = 200*10*2*64*784*128/t/1e9
        x = torch.randn(25_000_000); y = torch.empty_like(x)
        y.copy_(x); _,t = timed(lambda: [y.copy_(x) for _ in range(5)])
        bw = 5*2*x.numel()*4/t/1e9
    return rate, bw

def limit(n_steps:int, bs:int, params:int, seeds:int, rate:float, bw:float) -> tuple[float, float]:
    "Seconds the `seeds` runs need at least for their arithmetic (forward and backward: 3 products of items by parameters) at `rate`, and for fastai's Adam (about ten passes over each parameter, its gradient and its two moments) if they came from memory at `bw`"
    flops = n_steps*seeds*3*2*bs*params                       # a linear layer's items x parameters, x2 (multiply-add), x3 (forward, two gradients)
    return flops/rate/1e9, n_steps*seeds*params*4*10*2/bw/1e9

def say_limit(what:str, t_alone:float, lim) -> str:
    return (f"  limit: {what} arithmetic alone needs {lim[0]:.1f} s (so at most {t_alone/lim[0]:.1f}x); Adam's passes, were they "
            f"from memory, {lim[1]:.1f} s more (at most {t_alone/sum(lim):.1f}x); in cache they cost less")

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, default=10); p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--n-majority', type=int, default=1000); p.add_argument('--no-head', action='store_true')
    p.add_argument('--table', choices=['stated', 'full', 'none'], default='stated')
    a = p.parse_args()
    rate,bw = machine(1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; "
          f"one thread: {rate:.0f} GFLOP/s (products of the runs' shape), {bw:.1f} GB/s (copy)")

    # 1. MNIST's one-hidden-layer network, Table 4.8's main row: batched against one after another
    cfg = SCALES['paper'].mnist_4_8.replace(epochs=a.epochs, n_majority=a.n_majority)
    cfgs = with_seeds([cfg], a.seeds)
    run(cfg.replace(epochs=1))                                          # warm-up: MNIST read into memory
    bat,t_bat = timed(lambda: run_seeds(cfgs, bar=False))
    alone,t_alone = timed(lambda: [run(c, bar=False) for c in cfgs])
    agree = seeds_agree(bat, alone)
    learn = config_learner(cfg, config_split(cfg))
    n_train,params = len(learn.dls.train)*cfg.bs,sum(q.numel() for q in learn.model.parameters())
    steps = len(learn.dls.train)*cfg.epochs
    lim = limit(steps, cfg.bs, params, a.seeds, rate, bw)
    print(f"\nMNIST MLP (Table 4.8: softmax, CCE, final BN), {n_train} digits a seed, {cfg.epochs} epochs, {params} parameters, one thread:")
    print(f"  {a.seeds} seeds one after another {t_alone:.1f} s, as one model {t_bat:.1f} s: {t_alone/t_bat:.2f}x [target 5x]; "
          f"exact: {agree['exact']} (loss {agree['loss']:.1e}, probabilities {agree['prob']:.1e}, classes {agree['pred']})")
    print(say_limit(f"the batched training's ({steps} steps)", t_alone, lim))

    # 3. the package's cost per seed, batched, against a plain PyTorch loop of one seed on the same tensors
    t_plain = plain_loop_seconds(cfg)
    print(f"  plain PyTorch loop, one seed (training only): {t_plain:.1f} s; the package batched, per seed (all of a run): "
          f"{t_bat/a.seeds:.2f} s: ratio {t_plain/(t_bat/a.seeds):.2f} [target 1.0]; before batching {t_plain/(t_alone/a.seeds):.2f}")

    if a.table != 'none':                                                # 4. Table 4.8, as `finalbn mnist 4.8` runs it
        base = SCALES['paper'].mnist_4_8.replace(n_majority=1000 if a.table == 'stated' else 0)
        cfgs = with_seeds(table_4_8_grid(base), 10)
        with tempfile.TemporaryDirectory() as d: _,t_tab = timed(lambda: sweep(cfgs, Path(d)/'t48.csv', workers=2))
        n_dig = len(config_learner(base, config_split(base)).dls.train)*base.bs
        tlim = limit(n_dig//base.bs*base.epochs, base.bs, params, len(cfgs), 2*rate, bw)
        print(f"\nTable 4.8 {'at the stated protocol' if a.table == 'stated' else 'on full MNIST'} ({len(cfgs)} runs, {n_dig} digits a run, 10 seeds as one model, 2 at a time): {t_tab:.0f} s "
              f"({t_tab/60:.1f} min) [target {'2' if a.table == 'stated' else '12'} min]; limit on 2 cores: arithmetic {tlim[0]:.0f} s, "
              f"with Adam's passes from memory {sum(tlim):.0f} s ({sum(tlim)/60:.1f} min)")

    if a.no_head: return
    # 2. the head on cached features, Table 4.2's setting
    hc = ImageConfig(arch='efficientnet_lite0')
    hcfgs = with_seeds([hc], a.seeds)
    for c in hcfgs: run(c.replace(epochs=1), bar=False)                 # every seed's features in the cache
    hbat,th_bat = timed(lambda: run_seeds(hcfgs, bar=False))
    halone,th_alone = timed(lambda: [run(c, bar=False) for c in hcfgs])
    hagree = seeds_agree(hbat, halone)
    head = hbat[0].learn.model[1][2:]
    hparams = sum(q.numel() for q in head.parameters())
    hsteps = (sum(hc.train)//hc.bs)*hc.epochs
    hlim = limit(hsteps, hc.bs, hparams, a.seeds, rate*torch.get_num_threads(), bw)
    print(f"\nhead on cached features (Table 4.2: Apple, final BN, {hc.epochs} epochs, {sum(hc.train)} leaves a seed, {hparams} parameters, "
          f"{torch.get_num_threads()} threads; test scored every epoch):")
    print(f"  {a.seeds} seeds one after another {th_alone:.1f} s, as one model {th_bat:.1f} s: {th_alone/th_bat:.2f}x [target 4x]; "
          f"exact: {hagree['exact']} (loss {hagree['loss']:.1e}, probabilities {hagree['prob']:.1e}, classes {hagree['pred']})")
    print(say_limit("the batched training's", th_alone, hlim))

if __name__ == '__main__': main()
