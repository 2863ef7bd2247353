"""Fast path vs full path for the same frozen config, in one process: seconds per run and their ratio.

The fast path's time includes the one-time feature extraction (it starts from an empty feature cache).
Run: .venv/bin/python benchmarks/fastpath.py [--epochs 10] [--size 224]"""
import os, tempfile, time, argparse, platform
os.environ['FINALBN_CACHE'] = tempfile.mkdtemp(prefix='finalbn_bench_')     # a cold cache, not the user's
import torch
from finalbn_fastai.config import ImageConfig
from finalbn_fastai.training import run

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--epochs', type=int, default=10); p.add_argument('--size', type=int, default=224)
a = p.parse_args()
cfg = ImageConfig(arch='efficientnet_lite0', size=a.size, epochs=a.epochs)        # the paper's counts: 1000+10, 150+7, 150+150
run(cfg.replace(epochs=1, size=32), fast_path=False)                          # warm-up: imports, weights conversion
t0 = time.time(); fast = run(cfg); t_fast = time.time()-t0                    # cold cache: extraction included
t0 = time.time(); warm = run(cfg.replace(seed=1)); t_warm = time.time()-t0    # another seed: its split is partly cached
t0 = time.time(); full = run(cfg, fast_path=False); t_full = time.time()-t0
print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}")
print(f"config: efficientnet_lite0, {a.size} px, {a.epochs} epochs, bs 64, 1000+10 train, 150+7 valid, 150+150 test (test scored every epoch)")
print(f"full path: {t_full:.1f} s   fast path, cold cache: {t_fast:.1f} s   fast path, another seed (partly cached): {t_warm:.1f} s")
print(f"speed-up: {t_full/t_fast:.1f}x cold, {t_full/t_warm:.1f}x another seed")
print(f"unhealthy F1: full {full.row['unhealthy_f1']:.3f}, fast {fast.row['unhealthy_f1']:.3f}")
