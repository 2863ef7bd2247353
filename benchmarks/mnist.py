"""The whole of Table 4.8 (nine settings x seeds, one-hidden-layer network, 100 epochs) through the experiments engine: wall time,
and two ratios measured in this one process: a run against a plain PyTorch loop over the same tensors, and one seed of the table
run in worker processes against the same runs one after another.

The target: the whole table in under 10 minutes on 2 CPU cores, at the stated protocol (1,000 eights, 10 threes), each seed run on
its own (`batch_seeds=1`: seeds trained as one model are `benchmarks/seeds.py`'s). The sweeps write to temporary results files, so
nothing is reused from earlier runs. Run: .venv/bin/python benchmarks/mnist.py [--seeds 10] [--epochs 100] [--workers 2]"""
import argparse, os, platform, tempfile, time
from pathlib import Path
from finalbn_fastai.sweeps import sweep                # the package first: it quiets torch's warning about fastai, here and in the workers
from finalbn_fastai.grids import SCALES, table_4_8_grid, with_seeds
from finalbn_fastai.training import run, config_split, config_learner, torch_threads
import torch
from fastcore.basics import num_cpus
from fastai.basics import set_seed

def plain_loop_seconds(cfg) -> float:
    "Seconds a plain PyTorch loop (torch.optim.Adam, one thread, as a run trains) takes to train `cfg`'s model on its training tensors"
    learn = config_learner(cfg, config_split(cfg))
    set_seed(0)
    model,dl,lf = learn.model,learn.dls.train,learn.loss_func
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    t0 = time.time()
    with torch_threads(1):
        for _ in range(cfg.epochs):
            model.train()
            for xb,yb in dl: loss = lf(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()
    return time.time()-t0

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, default=10); p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--workers', type=int, default=num_cpus())
    a = p.parse_args()
    base = SCALES['paper'].mnist_4_8.replace(epochs=a.epochs, n_majority=1000)   # the stated protocol: 1,000 eights

    # one run: the package's (fastai's fit_one_cycle, test scored, after-training remedies scored) against a plain training loop
    cfg = base.replace(seed=0)
    run(cfg.replace(epochs=1))                                          # warm-up: MNIST read into memory
    t0 = time.time(); run(cfg); t_pkg = time.time()-t0
    t_plain = plain_loop_seconds(cfg)

    with tempfile.TemporaryDirectory() as d:
        # one seed of the table: one run after another, then in worker processes
        one = with_seeds(table_4_8_grid(base), [100])
        t0 = time.time(); sweep(one, Path(d)/'serial.csv', workers=1, batch_seeds=1); t_ser = time.time()-t0
        t0 = time.time(); sweep(one, Path(d)/'pool.csv', workers=a.workers, batch_seeds=1); t_pool = time.time()-t0
        # the whole table, in worker processes
        configs = with_seeds(table_4_8_grid(base), a.seeds)
        t0 = time.time(); sweep(configs, Path(d)/'t48.csv', workers=a.workers, batch_seeds=1); t_all = time.time()-t0

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"one run ({cfg.model}, {cfg.n_majority}+{round(cfg.ratio*cfg.n_majority)} train, {cfg.epochs} epochs, bs {cfg.bs}, one thread): "
          f"package {t_pkg:.2f} s, plain PyTorch loop {t_plain:.2f} s (training only), ratio plain/package {t_plain/t_pkg:.2f}")
    print(f"one seed of Table 4.8 ({len(one)} runs): one after another {t_ser:.1f} s, {a.workers} workers {t_pool:.1f} s, speed-up {t_ser/t_pool:.2f}x")
    print(f"Table 4.8: {len(configs)} runs with {a.workers} workers in {t_all:.0f} s ({t_all/60:.1f} min; {t_all/len(configs):.2f} s per run); "
          f"target under 10 min: {'met' if t_all < 600 else 'NOT met'}")

if __name__ == '__main__': main()            # the sweep's worker processes import this file: nothing may run then
