"""The package's training loop vs a plain PyTorch loop on the same model, data and batch size: images per second, and their ratio.

Both train the same learner's model (EfficientNet-Lite0 body, frozen, BN statistics kept; the paper's head with the final BN)
for one epoch over the same fastai DataLoader of real Apple leaves. The package's loop is fastai's `fit_one_cycle` with the
callbacks `run` uses, without the validation pass and the per-epoch test scoring (evaluation, not training).
Run: .venv/bin/python benchmarks/loop.py [--size 128] [--reps 2]"""
import os, time, argparse, platform
import torch
from torch import nn
from fastai.vision.all import set_seed
from finalbn_fastai.config import ImageConfig
from finalbn_fastai.training import config_learner, config_split, EpochProgress, SkipValidation

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--size', type=int, default=128); p.add_argument('--reps', type=int, default=2)
a = p.parse_args()
cfg = ImageConfig(arch='efficientnet_lite0', size=a.size)
man = config_split(cfg)
set_seed(0)
learn = config_learner(cfg, man)
dl = learn.dls.train
n = len(dl)*dl.bs

def plain_epoch():
    model = learn.model; model.train()
    for m in model[0].modules():                       # as BnFreeze does: frozen BN layers in eval mode
        if isinstance(m, nn.BatchNorm2d): m.eval()
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=1e-3, weight_decay=0.)
    lf = nn.CrossEntropyLoss()
    for xb,yb in dl:                                   # plain tensors, as a plain PyTorch loop would have
        xb,yb = xb.as_subclass(torch.Tensor),yb.as_subclass(torch.Tensor)
        loss = lf(model(xb), yb); loss.backward(); opt.step(); opt.zero_grad()

def package_epoch():
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, 1e-3, cbs=[EpochProgress(), SkipValidation()])

plain_epoch(); package_epoch()                        # warm-up
res = {}
for name,f in (('plain', plain_epoch), ('package', package_epoch)):
    ts = []
    for _ in range(a.reps):
        t0 = time.time(); f(); ts.append(time.time()-t0)
    res[name] = n/min(ts)
print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}")
print(f"{n} training images per epoch at {a.size} px, bs {dl.bs}; best of {a.reps}")
print(f"plain PyTorch loop: {res['plain']:.1f} img/s   package (fastai fit_one_cycle): {res['package']:.1f} img/s   ratio {res['package']/res['plain']:.2f}")
