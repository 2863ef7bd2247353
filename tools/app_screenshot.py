"""`make screenshots`' picture of `finalbn serve`: two models on the real Tomato leaves (the paper's split, with and without the
final BN, trained by `finalbn train` unless --models names others), served on a free loopback port, a test image of each
class predicted in headless Chromium, the page photographed. It fails if the browser asked any host but the server.
Run: .venv/bin/python tools/app_screenshot.py [--models DIR DIR] [--out _docs/screenshots/app.png] [--copy nbs/figures/serve_app.png]
     [--results predictions.csv]"""
import argparse, shutil, sys
from pathlib import Path
import pandas as pd
from finalbn_fastai.core import shared_data
from finalbn_fastai.app import example_images
from finalbn_fastai.test_utils import serving, browse_app, run_finalbn

ROOT = Path(__file__).resolve().parents[1]

def finalbn(*args):
    r = run_finalbn(*args, timeout=None)
    if r.returncode: sys.exit(f"app_screenshot: finalbn {args[0]} failed: {r.stderr.strip()[-500:]}")
    return r.stdout

def tomato_models(where:Path) -> list[Path]:
    "The two Tomato models of the screenshot, trained into `where` unless they are there already"
    pv = shared_data('plantvillage')
    if pv is None: sys.exit("app_screenshot: the real PlantVillage copy is absent (../shared/data, or set FINALBN_DATA): name two models with --models")
    where.mkdir(parents=True, exist_ok=True)
    split,models = where/'tomato.csv',[where/'model_bn', where/'model_nobn']
    if not split.exists(): finalbn('split', pv, '--plant', 'Tomato', '--out', split)
    for m,flags in zip(models, ([], ['--no-final-bn'])):
        if not (m/'model.json').exists(): print(finalbn('train', split, '--out', m, *flags).splitlines()[-1])
    return models

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', nargs='+', type=Path, help='model folders to serve (default: two trained on the Tomato leaves into _docs/app_models)')
    p.add_argument('--out', type=Path, default=ROOT/'_docs'/'screenshots'/'app.png')
    p.add_argument('--copy', type=Path, help='also write the picture here (the README shows nbs/figures/serve_app.png)')
    p.add_argument('--results', type=Path, help="write the page's predictions of the pictured images here, a row per model and image (nbs/figures/serve_app.csv)")
    a = p.parse_args()
    models = a.models or tomato_models(ROOT/'_docs'/'app_models')
    images,truth = zip(*example_images(models[0], per_class=1))     # an image of each class of the test split, and its class
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with serving(models) as url: seen = browse_app(url, images, out=a.out, width=1280)
    if seen['hosts'] != {url.split('/')[2]}: sys.exit(f"app_screenshot: the page asked hosts other than the server: {sorted(seen['hosts'])}")
    if a.copy: shutil.copy(a.out, a.copy)
    if a.results:                                  # the page's numbers: each model's outputs for these images (tests/test_app.py: the page gives finalbn predict's)
        from finalbn_fastai.inference import load_model, predict_images
        rows = []
        for m in models:
            learn = load_model(m)
            with learn.no_bar(): p = predict_images(learn, images)
            rows.append(p.assign(model=Path(m).name, image=p.path.map(lambda f: Path(f).name), true=truth).drop(columns='path'))
        t = pd.concat(rows)
        t[['model', 'image', 'true'] + [c for c in t if c not in ('model', 'image', 'true')]].to_csv(a.results, index=False, float_format='%.6f')
    print(f"{a.out}: {len(images)} images predicted by {len(models)} models; the browser asked {len(seen['asked'])} addresses, all at {url}")

if __name__ == '__main__': main()
