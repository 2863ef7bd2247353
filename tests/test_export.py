"""A model saved by `finalbn train` on real leaves, exported by `finalbn export`: its ONNX graph has no BN after the last matrix product, and the
README's snippet (PIL, numpy and onnxruntime, in a process without torch or fastai) gives `finalbn predict`'s probabilities; each bad input in one line."""
import json, re, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from finalbn_fastai.cli import main
from finalbn_fastai.test_utils import make_fake_classes, run_main

README = (Path(__file__).parents[1]/'README.md').read_text()

def leaf_folder(root:Path, plantvillage:Path, classes:dict, skip:int=0) -> Path:
    "A folder of `classes` ({name: (PlantVillage folder, count)}) copied from the shared copy, the first `skip` images of each passed over"
    for name,(src,n) in classes.items():
        (root/name).mkdir(parents=True)
        for f in sorted((plantvillage/src).iterdir())[skip:skip+n]: shutil.copy(f, root/name/f.name)
    return root

@pytest.fixture(scope='module')
def model(plantvillage, tmp_path_factory):
    "`finalbn train` on 80 real Tomato leaves (EfficientNet-Lite0, 64 px, 2 epochs), and 20 other leaves to predict"
    tmp = tmp_path_factory.mktemp('export')
    data = leaf_folder(tmp/'leaves', plantvillage, {'healthy': ('Tomato_healthy', 60), 'spot': ('Tomato_Bacterial_spot', 20)})
    new = leaf_folder(tmp/'new', plantvillage, {'healthy': ('Tomato_healthy', 10), 'spot': ('Tomato_Bacterial_spot', 10)}, skip=40)
    assert main(['train', str(data), '--out', str(tmp/'model'), '--size', '64', '--epochs', '2', '--bs', '16']) == 0   # in this process: no second start of torch
    return tmp/'model',sorted(new.rglob('*.*'))

def deploy_snippet() -> str:
    "The README's python block that runs an ONNX file with onnxruntime"
    found = [b for b in re.findall(r"```python\n(.*?)```", README, re.S) if 'onnxruntime' in b]
    assert len(found) == 1, f"{len(found)} python blocks of the README use onnxruntime"
    return found[0]

def test_export_folds_the_final_bn_and_matches_predict(model, tmp_path, capsys):
    out,files = model
    assert len(files) == 20
    code,o,err = run_main('export', out, '--out', tmp_path/'m.onnx')
    assert code == 0, err
    assert 'final BN folded into the last Linear' in o and "onnxruntime gives PyTorch's probabilities to" in o
    import onnx
    ops = [n.op_type for n in onnx.load(str(tmp_path/'m.onnx')).graph.node]
    last = max(i for i,o in enumerate(ops) if o in ('Gemm', 'MatMul'))
    assert 'BatchNormalization' not in ops[last:] and ops[-1] == 'Softmax', ops[last:]
    assert main(['predict', str(out), *map(str, files), '--out', str(tmp_path/'p.csv')]) == 0
    pred = pd.read_csv(tmp_path/'p.csv')
    code = deploy_snippet()
    assert len([l for l in code.splitlines() if l.strip()]) < 15, code                    # what a deployer copies: under 15 lines
    script = (f"files = {[str(f) for f in files]!r}\n" + code.replace("'model/model.onnx'", repr(str(tmp_path/'m.onnx'))) +
              "\nimport sys, json\nassert not {'torch', 'fastai', 'finalbn_fastai'} & set(sys.modules), 'imported torch'\n"
              "print(json.dumps({'probs': probs.tolist(), 'preds': preds, 'classes': meta['classes']}))")
    res = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout.splitlines()[-1])
    cols = [f"p_{c}" for c in got['classes']]
    assert pred.path.tolist() == [str(f) for f in files]
    np.testing.assert_allclose(np.array(got['probs']), pred[cols].to_numpy(), atol=1e-4)   # the calibrated probabilities of finalbn predict
    assert got['preds'] == pred.pred_argmax.tolist() == pred.pred.tolist()

def test_export_without_final_bn(model, tmp_path):
    "--no-final-bn: the graph of Table 4.6, onnxruntime giving finalbn predict --no-final-bn's raw softmax"
    import onnxruntime as ort
    out,files = model
    assert main(['export', str(out), '--out', str(tmp_path/'nobn.onnx'), '--no-final-bn']) == 0
    assert main(['predict', str(out), *map(str, files[:4]), '--out', str(tmp_path/'p.csv'), '--no-final-bn']) == 0
    pred = pd.read_csv(tmp_path/'p.csv')
    ns = {'files': files[:4]}
    exec(deploy_snippet().replace("'model/model.onnx'", repr(str(tmp_path/'nobn.onnx'))), ns)
    np.testing.assert_allclose(ns['probs'], pred[[f"p_{c}" for c in ns['meta']['classes']]].to_numpy(), atol=1e-4)
    assert ns['meta']['final_bn'] == 'removed' and ns['meta']['temperature'] == 1

def test_export_bad_input(model, tmp_path, capsys, monkeypatch):
    out,files = model
    (tmp_path/'notes').mkdir(); (tmp_path/'notes'/'a.txt').write_text('not a model')
    code,o,err = run_main('export', tmp_path/'notes', '--out', tmp_path/'x.onnx')
    assert (code, o, len(err.splitlines())) == (2, '', 1) and 'is not a saved model' in err and not (tmp_path/'x.onnx').exists()
    (tmp_path/'old.onnx').write_bytes(b'keep me')
    code,_,err = run_main('export', out, '--out', tmp_path/'old.onnx')
    assert code == 2 and 'exists; pass --force' in err and (tmp_path/'old.onnx').read_bytes() == b'keep me'
    code,_,err = run_main('export', out, '--out', tmp_path/'old.onnx'/'m.onnx')
    assert code == 2 and len(err.splitlines()) == 1 and 'is a file, not a folder' in err
    monkeypatch.setitem(sys.modules, 'onnx', None)                                         # as without the [export] extra
    code,_,err = run_main('export', out, '--out', tmp_path/'y.onnx')
    assert code == 2 and "pip install 'finalbn_fastai[export]'" in err and not (tmp_path/'y.onnx').exists()

def test_predict_refuses_an_onnx_file(model, tmp_path, capsys):
    out,files = model
    (tmp_path/'m.onnx').write_bytes(b'\x08\x07')
    code,o,err = run_main('predict', tmp_path/'m.onnx', files[0], '--out', tmp_path/'p.csv')
    assert (code, o, len(err.splitlines())) == (2, '', 1) and 'is an ONNX file' in err and "'Export' paragraph" in err
    assert not (tmp_path/'p.csv').exists()

@pytest.mark.parametrize('arch', ['efficientnet_lite1', 'efficientnet_lite2'])
def test_more_offline_bodies_train_and_export(arch, tmp_path, capsys):
    "EfficientNet-Lite1 and Lite2, pretrained offline, through finalbn train and finalbn export"
    parts = make_fake_classes(tmp_path/'parts', {'ok': 40, 'scratch': 10})
    code,_,err = run_main('train', parts, '--out', tmp_path/'m', '--arch', arch, '--size', '32', '--epochs', '1', '--bs', '16')
    assert code == 0, err
    spec = json.loads((tmp_path/'m'/'model.json').read_text())
    assert spec['arch'] == arch and spec['stats']['mean'] == [0.5]*3 and spec['config']['pretrained']
    code,o,err = run_main('export', tmp_path/'m')
    assert code == 0, err
    d = float(re.search(r"probabilities to (\S+) ", o).group(1))
    assert d < 1e-4 and (tmp_path/'m'/'model.onnx').is_file()

def test_more_offline_bodies_run_on_the_fast_path(tmp_path):
    "finalbn run with Lite1 and Lite2 on PlantVillage's layout: frozen, pretrained, trained on cached features"
    from finalbn_fastai.results import load_results
    from finalbn_fastai.test_utils import make_fake_plantvillage
    pv = make_fake_plantvillage(tmp_path/'pv', {'healthy': 40, 'Black_rot': 12})
    for arch in ('efficientnet_lite1', 'efficientnet_lite2'):
        assert main(['run', '--data', str(pv), '--arch', arch, '--size', '32', '--epochs', '1', '--bs', '8', '--train', '20,4',
                     '--valid', '5,2', '--test', '5,5', '--results', str(tmp_path/'r.csv')]) == 0
    rows = load_results(tmp_path/'r.csv')
    assert rows.arch.tolist() == ['efficientnet_lite1', 'efficientnet_lite2'] and rows.fast_path.all() and rows.pretrained.all()
    assert len(list((Path(__import__('os').environ['FINALBN_CACHE'])/'features').glob('efficientnet_lite[12]-*-32'))) == 2   # a feature cache per body

def test_snippet_on_images_of_any_shape(model, tmp_path):
    "The README's preprocessing is fastai's on images that are neither square nor of the model's size, grey or with alpha: the same probabilities"
    from PIL import Image
    out,_ = model
    rng,files = np.random.default_rng(0),[]
    for i,shape in enumerate([(200, 300, 3), (383, 255, 3), (57, 41, 3), (480, 640), (90, 120, 4)]):
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(tmp_path/f'img{i}.png')
        files.append(tmp_path/f'img{i}.png')
    assert main(['export', str(out), '--out', str(tmp_path/'m.onnx')]) == 0
    assert main(['predict', str(out), *map(str, files), '--out', str(tmp_path/'p.csv')]) == 0
    pred = pd.read_csv(tmp_path/'p.csv')
    assert len(pred) == 5
    ns = {'files': files}
    exec(deploy_snippet().replace("'model/model.onnx'", repr(str(tmp_path/'m.onnx'))), ns)
    np.testing.assert_allclose(ns['probs'], pred[[f"p_{c}" for c in ns['meta']['classes']]].to_numpy(), atol=1e-4)
