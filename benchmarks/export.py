"""onnxruntime against PyTorch for the exported model, in one process: images per second at batch 1 and 32, file size, beside the arithmetic limit.

For each offline body (EfficientNet-Lite0, 1, 2 with the study's head and final BN, 224 px), the PyTorch model in eval mode and its ONNX export
(final BN folded) run on the same random images, on the same threads. The limit: the model's floating-point operations per image
(torch's FlopCounterMode, a multiply-add counted as 2) at the multiply rate this CPU reaches on a large float32 matrix product.
Run: .venv/bin/python benchmarks/export.py [--archs efficientnet_lite0,...] [--size 224]"""
import os, tempfile, time, argparse, platform
os.environ['FINALBN_CACHE'] = os.environ.get('FINALBN_CACHE') or tempfile.mkdtemp(prefix='finalbn_bench_')
import numpy as np, torch, onnxruntime as ort
from torch.utils.flop_counter import FlopCounterMode
from finalbn_fastai.model import finalbn_learner, arch_stats
from finalbn_fastai.inference import inference_dls
from finalbn_fastai.export import export_onnx, probs_module

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--archs', default='efficientnet_lite0,efficientnet_lite1,efficientnet_lite2'); p.add_argument('--size', type=int, default=224)
p.add_argument('--seconds', type=float, default=8., help='time spent measuring each rate (best of the repeats)')
a = p.parse_args()
threads = torch.get_num_threads()

def best_rate(fn, n_images:int, seconds:float) -> float:
    "Images per second of `fn` (which processes `n_images`): the best of repeats over about `seconds`, after one warm-up call"
    fn(); best,end = float('inf'),time.perf_counter() + seconds
    while time.perf_counter() < end or best == float('inf'):
        t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
    return n_images/best

def matmul_rate(n:int=2048) -> float:
    "FLOP/s of a float32 n x n matrix product in torch on this CPU (2 n^3 operations)"
    x,y = torch.randn(n, n),torch.randn(n, n)
    return best_rate(lambda: x @ y, 1, 3.)*2*n**3

peak = matmul_rate()
print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, onnxruntime {ort.__version__}, "
      f"{threads} threads each; float32 matrix product: {peak/1e9:.1f} GFLOP/s")
print(f"{'body':<20} {'GFLOP/img':>9} {'limit img/s':>11} | {'batch':>5} {'torch img/s':>11} {'ORT img/s':>9} {'ORT/torch':>9} {'of limit':>8} | {'ONNX MB':>7} {'params MB':>9}")
for arch in a.archs.split(','):
    dls = inference_dls(['healthy', 'unhealthy'], a.size, arch_stats(arch))
    learn = finalbn_learner(dls, arch)
    with torch.no_grad(): learn.model(torch.randn(64, 3, a.size, a.size))                # the final BN's statistics away from their start
    model = probs_module(learn)[0]
    fn = export_onnx(learn, tempfile.mkdtemp()+'/m.onnx', size=a.size)
    opts = ort.SessionOptions(); opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(fn), opts, providers=['CPUExecutionProvider'])
    with FlopCounterMode(display=False) as fc, torch.no_grad(): model(torch.randn(1, 3, a.size, a.size))
    flops = fc.get_total_flops()
    params_mb = sum(p.numel() for p in model.parameters())*4/1e6
    for bs in (1, 32):
        x = torch.randn(bs, 3, a.size, a.size); xn = x.numpy()
        with torch.no_grad(): assert np.abs(model(x).numpy() - sess.run(None, {'image': xn})[0]).max() < 1e-4
        def torch_fn():
            with torch.no_grad(): model(x)
        rt,ro = best_rate(torch_fn, bs, a.seconds),best_rate(lambda: sess.run(None, {'image': xn}), bs, a.seconds)
        print(f"{arch:<20} {flops/1e9:>9.3f} {peak/flops:>11.0f} | {bs:>5} {rt:>11.1f} {ro:>9.1f} {ro/rt:>9.2f} {max(rt, ro)/(peak/flops):>8.0%} | "
              f"{fn.stat().st_size/1e6:>7.1f} {params_mb:>9.1f}")
