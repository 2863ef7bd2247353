"""The MNIST map (`finalbn mnist map`, the `42_effect_map` chapter): its sweep's time beside the arithmetic limit of this machine.

The map's grid trains Table 4.7's simple CNN and Table 4.8's one-hidden-layer network at 24 points, without and with the final BN,
10 seeds each (480 runs). Its arithmetic is counted here layer by layer (a convolution: 2·Cin·k²·Cout·Hout·Wout per image; a
linear layer: 2·in·out; training three times the forward pass) over every run's training images and epochs, and set beside
the multiply rate measured here on one thread (the product shape of the runs, as benchmarks/seeds.py measures it), times the
two cores. Two ways to get the sweep's time:
  --results FILE   read the rows of a finished sweep (each run's own seconds, as its worker measured them); no training
  (default)        run the grid's sweep into a temporary file, two workers, and time it (--grid small: about a minute)
Run: .venv/bin/python benchmarks/mnist_map.py [--grid main|small] [--results nbs/results/mnist_map.csv]"""
import argparse, os, platform, tempfile, time
from pathlib import Path
import torch
from torch import nn
from finalbn_fastai.sweeps import sweep                # the package first: it quiets torch's warning about fastai, here and in the workers
from finalbn_fastai.config import config_counts
from finalbn_fastai.grids import MAP_GRIDS, map_grid, with_seeds
from finalbn_fastai.model import mnist_model
from finalbn_fastai.results import load_results, row_config
from seeds import machine                              # benchmarks/seeds.py, beside this script

def forward_flops(model:nn.Module) -> int:
    "Multiply-adds (x2) of one 28 x 28 image through `model`'s convolutions and linear layers"
    n = []
    def hook(m, i, o):
        if isinstance(m, nn.Conv2d): n.append(2*m.in_channels//m.groups*m.kernel_size[0]*m.kernel_size[1]*o[0].numel())
        elif isinstance(m, nn.Linear): n.append(2*m.in_features*m.out_features)
    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad(): model.eval()(torch.zeros(1, 1, 28, 28))
    for h in hs: h.remove()
    return sum(n)

def run_flops(cfg) -> float:
    "Training arithmetic of the run `cfg`: three times the forward pass, per training image (full batches only, as fastai drops the last) and epoch"
    n_train = sum(n for n,_ in config_counts(cfg).values())
    return 3*forward_flops(mnist_model(cfg.model, len(cfg.classes), cfg.first_bn, cfg.final_bn))*(n_train//cfg.bs*cfg.bs)*cfg.epochs

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--grid', default='main'); p.add_argument('--results', default=None)
    a = p.parse_args()
    g = MAP_GRIDS[a.grid]
    cfgs = with_seeds(map_grid(g), g.seeds)
    rate,_ = machine(1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; one thread: {rate:.0f} GFLOP/s (products of the runs' shape)")
    flops = {m: sum(run_flops(c) for c in cfgs if c.model == m) for m in ('cnn', 'mlp')}
    total = sum(flops.values())
    lim = total/(rate*1e9*os.cpu_count())
    print(f"the map's grid {g.name!r}: {len(cfgs)} runs; training arithmetic {total/1e12:.2f} TFLOP (CNN {flops['cnn']/1e12:.2f}, MLP {flops['mlp']/1e12:.2f}); "
          f"limit at {rate:.0f} GFLOP/s x {os.cpu_count()} cores: {lim:.0f} s ({lim/60:.1f} min)")
    if a.results:
        res = load_results(a.results)
        res = res[res.key.isin({c.key for c in cfgs})]
        by = {m: res[res.model == m].seconds.sum() for m in ('cnn', 'mlp')}
        print(f"{a.results}: {len(res)} of the grid's runs; their own seconds (split, learner, training, test, row; seeds batched): "
              f"{sum(by.values()):.0f} s (CNN {by['cnn']:.0f}, MLP {by['mlp']:.0f}), {sum(by.values())/os.cpu_count()/60:.1f} min on {os.cpu_count()} cores; "
              f"arithmetic rate reached: CNN {flops['cnn']/by['cnn']/1e9:.1f}, MLP {flops['mlp']/by['mlp']/1e9:.1f} GFLOP/s per core")
    else:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time(); sweep(cfgs, Path(d)/'map.csv', workers=2, grid=g.name); t = time.time()-t0
        print(f"the sweep, 2 workers: {t:.0f} s ({t/60:.1f} min), {t/lim:.1f}x the arithmetic limit")

if __name__ == '__main__': main()
