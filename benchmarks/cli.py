"""How fast `finalbn --help` and `finalbn run --help` answer: wall time of the real command, best of `--reps`, against an
empty Python start-up (the floor) and against importing torch and fastai (what every `--help` paid before the command
line stopped importing them). The target: under 1 s on this machine.
Run: .venv/bin/python benchmarks/cli.py [--reps 5]"""
import argparse, os, platform, subprocess, sys, time
from pathlib import Path

def best(cmd, reps):
    "Best wall time of `reps` runs of `cmd`, in seconds"
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); subprocess.run(cmd, check=True, capture_output=True); ts.append(time.perf_counter()-t0)
    return min(ts)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--reps', type=int, default=5)
    a = p.parse_args()
    exe = str(Path(sys.executable).parent/'finalbn')
    t = {'python -c pass (start-up)': best([sys.executable, '-c', 'pass'], a.reps),
         'finalbn --help': best([exe, '--help'], a.reps),
         'finalbn run --help': best([exe, 'run', '--help'], a.reps),
         'python -c "import torch, fastai.vision.all"': best([sys.executable, '-c', 'import torch, fastai.vision.all'], a.reps)}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; best of {a.reps}")
    for k,v in t.items(): print(f"{k:<45} {v:6.2f} s   ({v/t['python -c pass (start-up)']:.1f}x start-up)")
    worst = max(t['finalbn --help'], t['finalbn run --help'])
    print(f"target: --help under 1 s: {'met' if worst < 1 else 'NOT met'} ({worst:.2f} s)")
