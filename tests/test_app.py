"`finalbn serve`: the page's predictions are `finalbn predict`'s, through `gradio_client` and in headless Chromium, offline, on loopback."
import importlib.util, os, re, shutil, subprocess, sys, time, urllib.request
from pathlib import Path
import numpy as np, pandas as pd, pytest
from PIL import Image
from finalbn_fastai.test_utils import make_fake_classes, make_tiny_model, serving, browse_app, free_port, run_finalbn as finalbn, CHROMIUM

needs_app = pytest.mark.skipif(not all(importlib.util.find_spec(m) for m in ('gradio', 'gradio_client')),
                               reason='the [app] extra is not installed: pip install "finalbn_fastai[app]" (make test installs it)')
needs_browser = pytest.mark.skipif(importlib.util.find_spec('playwright') is None or not Path(CHROMIUM).exists(),
                                   reason=f"the browser test needs Playwright (pip) and Debian's Chromium at {CHROMIUM} (apt-get install chromium)")

@pytest.fixture(scope='module')
def models(tmp_path_factory):
    "Two tiny models on three made-up classes, with and without the final BN, and a few of their images"
    tmp = tmp_path_factory.mktemp('app')
    own = make_fake_classes(tmp/'parts', {'ok': 60, 'scratch': 8, 'dent': 6})
    images = sorted((own/'dent').iterdir())[:2] + sorted((own/'ok').iterdir())[:1]
    return make_tiny_model(tmp/'model_bn', own), make_tiny_model(tmp/'model_nobn', own, final_bn=False), images

def predicted(model, images, tmp_path) -> pd.DataFrame:
    "`finalbn predict`'s CSV for `images`, in a process of its own"
    r = finalbn('predict', model, *images, '--out', tmp_path/f'{Path(model).name}.csv')
    assert r.returncode == 0, r.stderr[-2000:]
    return pd.read_csv(tmp_path/f'{Path(model).name}.csv')

def test_app_predict_equals_finalbn_predict(models, tmp_path):
    "The page's prediction function, without the web server, gives each model's `finalbn predict` probabilities"
    from finalbn_fastai.app import app_predict, model_name
    from finalbn_fastai.inference import load_model
    bn,nobn,images = models
    learners = [load_model(bn), load_model(nobn)]
    outs = app_predict(learners, [model_name(m, l.spec) for m,l in zip((bn, nobn), learners)], images)
    for table,model in ((outs[3], bn), (outs[7], nobn)):
        ref = predicted(model, images, tmp_path)
        assert table.image.tolist() == [Path(p).name for p in ref.path] and table.pred.tolist() == ref.pred.tolist()
        np.testing.assert_allclose(table[['p_dent', 'p_ok', 'p_scratch']], ref[['p_dent', 'p_ok', 'p_scratch']], atol=1e-6)
    assert not np.allclose(outs[3][['p_dent', 'p_ok', 'p_scratch']], outs[7][['p_dent', 'p_ok', 'p_scratch']])   # two models, two columns

def test_serve_refuses_what_is_not_a_model(models, tmp_path):
    "One line, before anything listens: a folder without model.json, a pickle in place of the weights"
    bn,_,images = models
    bad = tmp_path/'bad'; shutil.copytree(bn, bad)
    (bad/'model.safetensors').write_bytes(b'\x80\x04\x95' + b'\x00'*64)                  # a pickle's first bytes
    port = free_port()
    for folder,says in ((images[0].parent, 'is not a saved model'), (bad, 'refused, a model is never loaded from a pickle')):
        r = finalbn('serve', bn, folder, '--port', port)
        assert r.returncode == 2 and r.stdout == '' and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr[-2000:]

@needs_app
def test_serve_through_gradio_client(models, tmp_path):
    "`finalbn serve` on a free loopback port, called through gradio_client: image in, each model's probabilities out; stopped by its PID"
    from gradio_client import Client, handle_file
    bn,nobn,images = models
    log = tmp_path/'serve.log'
    with serving([bn, nobn], log=log) as url:
        said = log.read_text()
        assert f'Serving model_bn (with the final BN), model_nobn (without the final BN) at {url} ; only this machine can reach it' in said, said
        html = urllib.request.urlopen(url, timeout=30).read().decode()
        config = urllib.request.urlopen(url + 'config', timeout=30).read().decode()
        os.environ['GRADIO_ANALYTICS_ENABLED'] = 'False'
        outs = Client(url, verbose=False).predict([handle_file(str(images[0]))], api_name='/predict')
        with pytest.raises(OSError): urllib.request.urlopen(url.replace('127.0.0.1', _outward_address() or '127.0.0.2'), timeout=5)   # loopback only
    for page in (html, config):                                                          # no outside host named in the page or its config
        outside = [u for u in re.findall(r'https?://[^\s"\'<>\\)]+', page) if not u.startswith(url.rstrip('/'))]
        assert outside == [], outside[:5]
    for out,model in ((outs[3], bn), (outs[7], nobn)):
        got = pd.DataFrame(out['data'], columns=out['headers'])
        ref = predicted(model, images[:1], tmp_path)
        assert got.pred.tolist() == ref.pred.tolist()
        np.testing.assert_allclose(got[['p_dent', 'p_ok', 'p_scratch']].to_numpy(float), ref[['p_dent', 'p_ok', 'p_scratch']], atol=1e-6)
    assert outs[0].startswith('### model_bn (with the final BN)') and len(outs[2]) == 1            # a Grad-CAM overlay for the image
    assert Image.open(outs[2][0]['image']).size == Image.open(images[0]).size
    time.sleep(1)
    with pytest.raises(OSError): urllib.request.urlopen(url, timeout=5)                   # stopped

def _outward_address():
    "This machine's address on its network, if it has one other than loopback"
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(('192.0.2.1', 9))                                                  # no packet is sent: it picks the interface
            a = s.getsockname()[0]
        return None if a.startswith('127.') else a
    except OSError: return None

@needs_app
@needs_browser
def test_page_in_chromium_is_offline(models, tmp_path):
    "Headless Chromium predicts an image on the page: every address it asks for is the server's own, and the screenshot shows both models"
    bn,nobn,images = models
    with serving([bn, nobn]) as url:
        seen = browse_app(url, images[:2], out=tmp_path/'page.png')
    assert seen['hosts'] == {url.split('/')[2]}, seen['hosts']
    assert all(u.startswith(('http://', 'data:', 'blob:')) for u in seen['asked'])                # nothing of another scheme (ws:, https:)
    assert len(seen['asked']) > 10                                                        # the page, its scripts, styles, the prediction
    for name in ('model_bn (with the final BN)', 'model_nobn (without the final BN)', 'Model card', 'Scores on the test split'): assert name in seen['text']
    assert '2 images: ' in seen['text']
    shot = np.asarray(Image.open(tmp_path/'page.png').convert('RGB'))
    assert shot.shape[1] == 1400 and shot.shape[0] > 1000 and shot.std() > 20             # a full page, not a blank one

def test_core_needs_no_gradio(models):
    "Without the [app] extra (Gradio made unimportable): the package imports whole, and `finalbn serve` says in one line what to install"
    bn,_,_ = models
    code = ("import sys; sys.modules['gradio'] = None\n"                   # `import gradio` now raises ImportError
            "from finalbn_fastai import *\nfrom finalbn_fastai.app import app_predict\n"
            f"from finalbn_fastai.cli import main\nsys.exit(main(['serve', {str(bn)!r}]))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stdout == '', r.stderr[-2000:]
    assert r.stderr == 'finalbn: error: the app needs Gradio: pip install "finalbn_fastai[app]"\n'
