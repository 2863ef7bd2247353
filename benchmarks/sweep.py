"""A sweep of small runs in this process against the same sweep on a Dask LocalCluster of two workers (`--workers 2`), in
one process: the speed-up that two worker processes give on this machine's cores, and what starting them costs.

The runs: seeds of Table 4.8's nine settings (MNIST 3 vs 8, the one-hidden-layer network, 1,000 + 10 training digits),
each on one thread wherever it trains, so that the two sweeps do the same arithmetic. Each sweep writes a fresh results
file; the rows of the two are checked to be the same. Run: .venv/bin/python benchmarks/sweep.py [--seeds 2] [--epochs 100]"""
import argparse, os, platform, tempfile, time
from pathlib import Path
from finalbn_fastai.sweeps import sweep               # the package first: it quiets torch's warning about fastai
from finalbn_fastai.config import DigitsConfig
from finalbn_fastai.grids import SCALES, demo_grid, table_4_8_grid, with_seeds
import pandas as pd, torch

def _plain(steps:int=3000) -> float:
    "Seconds of a plain PyTorch loop on one thread (the MLP of Table 4.8, batches of 64): the work of a run without the package"
    import torch, time
    torch.set_num_threads(1); torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    opt,x,y = torch.optim.Adam(m.parameters()),torch.randn(64, 784),torch.randint(0, 2, (64,))
    t0 = time.time()
    for _ in range(steps): loss = torch.nn.functional.cross_entropy(m(x), y); loss.backward(); opt.step(); opt.zero_grad()
    return time.time()-t0

def machine_limit(n:int=2) -> float:
    "How much more `n` processes do at once than one on this machine today: n x (one loop alone) / (the slowest of n at once)"
    import multiprocessing
    with multiprocessing.get_context('spawn').Pool(n) as pool:
        pool.map(_plain, [100]*n)                                          # started and warm
        alone = pool.apply(_plain)
        both = max(pool.map(_plain, [3000]*n))
    return n*alone/both

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, default=2); p.add_argument('--epochs', type=int, default=100)
    p.add_argument('--workers', type=int, default=2)
    a = p.parse_args()
    configs = with_seeds(table_4_8_grid(SCALES['paper'].mnist_4_8.replace(epochs=a.epochs, n_majority=1000)), a.seeds)   # the stated protocol: 1,000 eights
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sweep(configs[:1], d/'warm.csv', batch_seeds=1)                                   # MNIST read and cached by the OS, torch warmed up
        t0 = time.time(); one = sweep(configs, d/'serial.csv', batch_seeds=1); t_ser = time.time()-t0
        t0 = time.time(); two = sweep(configs, d/'workers.csv', workers=a.workers, batch_seeds=1); t_par = time.time()-t0
        t0 = time.time(); sweep(demo_grid(DigitsConfig(epochs=1)), d/'start.csv', workers=a.workers); t_start = time.time()-t0
    limit = machine_limit(min(a.workers, os.cpu_count()))
    same = lambda df: df.drop(columns='seconds').sort_values('key', ignore_index=True)
    pd.testing.assert_frame_equal(same(two), same(one))                   # the same rows, wherever the runs trained
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"{len(configs)} runs of Table 4.8 ({a.epochs} epochs each, one thread per run); the rows of both sweeps equal")
    print(f"in this process: {t_ser:.1f} s ({t_ser/len(configs):.2f} s per run)   {a.workers} workers (LocalCluster): {t_par:.1f} s   "
          f"speed-up {t_ser/t_par:.2f}x")
    print(f"the limit: {min(a.workers, os.cpu_count())} cores, one thread per run, so at most {min(a.workers, os.cpu_count())}x; "
          f"measured today, {min(a.workers, os.cpu_count())} plain PyTorch loops at once do {limit:.2f}x the work of one")
    print(f"a run's own seconds (its row): {one.seconds.mean():.2f} in this process, {two.seconds.mean():.2f} on a worker beside another; "
          f"the {a.workers}-worker sweep less its start: {t_par-t_start:.1f} s, {t_ser/(t_par-t_start):.2f}x")
    print(f"a sweep of two tiny runs on {a.workers} workers: {t_start:.1f} s (starting the cluster, each worker importing torch and fastai, "
          f"closing it): with runs of {t_ser/len(configs):.1f} s, two workers pay off from about {2*t_start/(t_ser/len(configs)):.0f} runs")

if __name__ == '__main__': main()            # the workers import this file: nothing may run then
