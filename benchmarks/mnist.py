"""The whole of Table 4.8 (nine settings x seeds, one-hidden-layer network, 100 epochs) through the experiments engine: wall time,
and one of its runs against a plain PyTorch loop over the same tensors (ratio of the two speeds).

The target (issue 6): the whole table in under 10 minutes on 2 CPU cores. The sweep writes to a temporary results file, so
nothing is reused from earlier runs. Run: .venv/bin/python benchmarks/mnist.py [--seeds 10] [--epochs 100]"""
import argparse, os, platform, tempfile, time
from pathlib import Path
import torch
from fastai.basics import set_seed
from finalbn_fastai.experiments import sweep
from finalbn_fastai.mnist import MNIST_SCALES, table_4_8_configs, mnist_split, mnist_learner, run_mnist

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--seeds', type=int, default=10); p.add_argument('--epochs', type=int, default=100)
a = p.parse_args()
base = MNIST_SCALES['paper']['t48'].replace(epochs=a.epochs)

# one run: the package's (fastai's fit_one_cycle, validation every epoch, test scored) against a plain loop (no validation)
cfg = base.replace(seed=0)
run_mnist(cfg.replace(epochs=1))                                    # warm-up: MNIST read into memory
t0 = time.time(); run_mnist(cfg); t_pkg = time.time()-t0
learn = mnist_learner(cfg, mnist_split(cfg))
set_seed(0)
model,dl,lf = learn.model,learn.dls.train,learn.loss_func
opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
t0 = time.time()
for _ in range(cfg.epochs):
    model.train()
    for xb,yb in dl: loss = lf(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()
t_plain = time.time()-t0

# the whole table
configs = table_4_8_configs(base, a.seeds)
with tempfile.TemporaryDirectory() as d:
    t0 = time.time(); res = sweep(configs, Path(d)/'t48.csv'); t_all = time.time()-t0

print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}")
print(f"one run ({cfg.model}, {cfg.n_majority}+{round(cfg.ratio*cfg.n_majority)} train, {cfg.epochs} epochs, bs {cfg.bs}): "
      f"package {t_pkg:.2f} s, plain PyTorch loop {t_plain:.2f} s (training only), ratio plain/package {t_plain/t_pkg:.2f}")
print(f"Table 4.8: {len(configs)} runs in {t_all:.0f} s ({t_all/60:.1f} min; {t_all/len(configs):.2f} s per run); target under 10 min: "
      f"{'met' if t_all < 600 else 'NOT met'}")
