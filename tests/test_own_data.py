"Your own images through the command line: `finalbn split`, `train` and `predict` on a generated folder of three classes, and each bad input in one line."
import io, json, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from finalbn_fastai.cli import main
from finalbn_fastai.data import load_manifest
from finalbn_fastai.test_utils import make_fake_classes, make_fake_plantvillage, run_finalbn as finalbn, run_main

@pytest.fixture(scope='module')
def parts(tmp_path_factory):
    "A folder of three classes: 300 good parts, 12 scratched, 6 dented"
    return make_fake_classes(tmp_path_factory.mktemp('own')/'parts', {'ok': 300, 'scratch': 12, 'dent': 6})

@pytest.fixture(scope='module')
def model(parts, tmp_path_factory):
    "`finalbn train` on `parts`, in a process of its own: (its result, the model folder)"
    out = tmp_path_factory.mktemp('model')/'m'
    r = finalbn('train', parts, '--out', out, '--size', '32', '--epochs', '2', '--bs', '32')
    return r, out

def test_train_keeps_the_model(model):
    r,out = model
    assert r.returncode == 0, r.stderr[-2000:]
    assert '\r' not in r.stdout and r.stderr == ''                       # results only on stdout; no bars off a terminal (dent has enough validation images: no note)
    assert sorted(f.name for f in out.iterdir()) == ['MODEL_CARD.md', 'calibration.png', 'confusion_matrix.png', 'manifest.csv', 'model.json',
                                                      'model.safetensors', 'operating_points.png', 'test_predictions.csv']
    m = load_manifest(out/'manifest.csv')
    assert m.groupby('label').size().to_dict() == {'dent': 6, 'ok': 300, 'scratch': 12}
    assert (m.groupby(['label', 'split']).size() >= 1).all() and m.md5.is_unique   # each class in each split, disjoint by content
    tp = pd.read_csv(out/'test_predictions.csv')
    assert f"Test split ({len(tp)} held-out images)" in r.stdout
    for c in ('dent', 'ok', 'scratch'): assert f"| {c} |" in (out/'MODEL_CARD.md').read_text()

def test_predict_equals_evaluate(model, tmp_path):
    "Predicting the held-out test images gives what `evaluate` gave on them at the end of training: raw with --no-calibration, calibrated by the model's temperature by default"
    _,out = model
    tp = pd.read_csv(out/'test_predictions.csv')
    cols = ['p_dent', 'p_ok', 'p_scratch']
    r = run_main('predict', out, *tp.path, '--out', tmp_path/'raw.csv', '--no-calibration')
    assert r.returncode == 0, r.stderr[-2000:]
    raw = pd.read_csv(tmp_path/'raw.csv')
    assert list(raw.columns) == ['path', 'pred', 'pred_argmax'] + cols                 # a probability per class, named as the folders
    assert raw.path.tolist() == tp.path.tolist()
    np.testing.assert_allclose(raw[cols], tp[cols], atol=1e-4)
    assert raw.pred_argmax.tolist() == tp.pred.tolist()
    r = run_main('predict', out, *tp.path, '--out', tmp_path/'p.csv')
    p = pd.read_csv(tmp_path/'p.csv')
    t = json.loads((out/'model.json').read_text())['decision']['temperature']
    cal = np.exp(np.log(tp[cols].to_numpy())/t); cal /= cal.sum(1, keepdims=True)
    np.testing.assert_allclose(p[cols], cal, atol=1e-4)                                  # softmax(log p / T) = softmax(z / T)
    np.testing.assert_allclose(p[cols].sum(axis=1), 1, atol=1e-5)
    assert p.pred_argmax.tolist() == tp.pred.tolist() == p.pred.tolist()                # the temperature moves no arg-max; no threshold: the arg-max

def test_predict_folders_skips_unreadable(model, parts, tmp_path):
    _,out = model
    (tmp_path/'new').mkdir()
    for f in sorted((parts/'dent').iterdir())[:3]: (tmp_path/'new'/f.name).write_bytes(f.read_bytes())
    (tmp_path/'new'/'broken.png').write_bytes(b'\x89PNG not really')
    (tmp_path/'new'/'notes.txt').write_text('not an image')
    r = run_main('predict', out, tmp_path/'new', '--out', tmp_path/'p.csv', '--gradcam', tmp_path/'maps')
    assert r.returncode == 0, r.stderr[-2000:]
    p = pd.read_csv(tmp_path/'p.csv')
    assert len(p) == 3 and set(p.pred) <= {'dent', 'ok', 'scratch'}
    skipped = [l for l in r.stderr.splitlines() if l.startswith('finalbn: skipped')]
    assert sorted(l.split(': ')[1].split('/')[-1] for l in skipped) == ['broken.png', 'notes.txt']
    assert all(Path(g).read_bytes()[:4] == b'\x89PNG' for g in p.gradcam)
    assert sorted(f.name for f in (tmp_path/'maps').iterdir()) == sorted(Path(f).stem + '.gradcam.png' for f in p.path)

def test_no_final_bn_changes_the_outputs(model, parts, tmp_path):
    _,out = model
    a = run_main('predict', out, parts/'dent', '--out', '-')
    b = run_main('predict', out, parts/'dent', '--out', '-', '--no-final-bn')
    assert a.returncode == b.returncode == 0
    pa,pb = pd.read_csv(io.StringIO(a.stdout)),pd.read_csv(io.StringIO(b.stdout))   # stdout: the CSV alone
    assert pa.path.tolist() == pb.path.tolist() and len(pa) == 6
    assert not np.allclose(pa.p_dent, pb.p_dent)

def test_split_then_train_from_manifest(parts, tmp_path, capsys):
    man = tmp_path/'split.csv'
    assert main(['split', parts, '--out', man, '--valid', '0.2', '--test', '2', '--seed', '3']) == 0
    m = load_manifest(man)
    assert m[m.split == 'test'].groupby('label').size().to_dict() == {'dent': 2, 'ok': 2, 'scratch': 2}
    assert m[m.split == 'valid'].groupby('label').size().to_dict() == {'dent': 1, 'ok': 60, 'scratch': 2}
    capsys.readouterr()
    assert main(['train', man, '--out', tmp_path/'m', '--size', '32', '--epochs', '1', '--bs', '32', '--classes', 'ok,dent']) == 0
    assert pd.read_csv(tmp_path/'m'/'manifest.csv').label.unique().tolist() == ['dent', 'ok']  # the classes asked for, the manifest's split
    assert json.loads((tmp_path/'m'/'model.json').read_text())['classes'] == ['ok', 'dent']

def test_split_too_few_images(parts, tmp_path, capsys):
    assert main(['split', parts, '--out', tmp_path/'s.csv', '--test', '5']) == 2
    assert capsys.readouterr().err.strip() == ("finalbn: error: class 'dent' has 6 distinct images, too few for 0 train + 1 valid + 5 test: "
                                                "every class needs at least one image in each split")

# --- every output is checked before any work: the runs are never trained to be lost ---

@pytest.fixture
def no_training(monkeypatch):
    "Training fails the test: the command must stop before it"
    import finalbn_fastai.training, finalbn_fastai.sweeps
    def trained(*a, **k): raise AssertionError('trained')
    monkeypatch.setattr(finalbn_fastai.training, 'run', trained)
    monkeypatch.setattr(finalbn_fastai.sweeps, 'run', trained)

@pytest.fixture
def fake_pv(tmp_path):
    return make_fake_plantvillage(tmp_path/'pv', {'healthy': 40, 'Black_rot': 6, 'Apple_scab': 6})

def test_unwritable_outputs_fail_first(parts, fake_pv, tmp_path, capsys, no_training):
    blocker = tmp_path/'a_file'
    blocker.write_text('mine')
    small = ['--train', '20,4', '--valid', '5,2', '--test', '10,6', '--size', '32']
    for args in (['run', '--data', fake_pv, *small, '--results', blocker/'r.csv'],
                 ['sweep', '--data', fake_pv, *small, '--grid', 'one', '--results', blocker/'r.csv'],
                 ['inside', '--data', fake_pv, *small, '--out', blocker/'inside'],
                 ['train', parts, '--out', blocker/'model'],
                 ['demo', '--out', blocker/'demo'],
                 ['mnist', '4.8', '--results', blocker/'r.csv']):
        assert main(list(map(str, args))) == 2, args
        err = capsys.readouterr().err.strip()
        assert err.startswith('finalbn: error: cannot write to') and f'{blocker} is a file, not a folder' in err and '\n' not in err, (args, err)
    assert blocker.read_text() == 'mine'

def test_train_refuses_a_folder_of_other_files(parts, tmp_path, capsys, no_training):
    (tmp_path/'docs').mkdir(); (tmp_path/'docs'/'thesis.tex').write_text('mine')
    assert main(['train', str(parts), '--out', str(tmp_path/'docs')]) == 2
    assert 'is a folder of other files' in capsys.readouterr().err
    assert [f.name for f in (tmp_path/'docs').iterdir()] == ['thesis.tex']

def test_no_minority_training_image(fake_pv, tmp_path, capsys, no_training):
    assert main(['run', '--data', str(fake_pv), '--train', '20,0', '--valid', '5,2', '--test', '10,6', '--results', str(tmp_path/'r.csv')]) == 2
    err = capsys.readouterr().err.strip()
    assert err == 'finalbn: error: the training split needs images of both classes, got train counts (20, 0): nothing to learn a class from'
    assert not (tmp_path/'r.csv').exists()

def test_damaged_results_file(fake_pv, tmp_path, capsys, no_training):
    from finalbn_fastai.results import result_columns
    from finalbn_fastai.config import ImageConfig
    res = tmp_path/'r.csv'
    head = ','.join(result_columns(ImageConfig))
    res.write_text(head + '\n' + 'finalbn-image-1,abc\n')
    before = res.read_bytes()
    assert main(['table', '4.2', '--results', str(res)]) == 2
    assert capsys.readouterr().err.strip() == (f"finalbn: error: {res} line 2 has 2 fields, not {len(result_columns(ImageConfig))}: the file is damaged; "
                                                "fix or delete that line, or use a new results file (nothing was read or appended)")
    assert main(['run', '--data', str(fake_pv), '--train', '20,4', '--valid', '5,2', '--test', '10,6', '--results', str(res)]) == 2
    assert 'line 2 has 2 fields' in capsys.readouterr().err
    assert res.read_bytes() == before                                              # the damaged file left as it was
    res.write_bytes(b'\xff\xd8\xff\xe0 a JPEG, not a CSV')
    assert main(['table', '4.2', '--results', str(res)]) == 2
    assert 'is not a text file (byte 0 is not UTF-8)' in capsys.readouterr().err
    assert res.read_bytes() == b'\xff\xd8\xff\xe0 a JPEG, not a CSV'

def test_ctrl_c_in_a_sweep(tmp_path):
    "SIGINT in the middle of the demo's sweep: one line, exit 130, the finished runs kept; the same command resumes"
    out = tmp_path/'demo'
    cmd = [str(Path(sys.executable).parent/'finalbn'), 'demo', '--out', str(out), '--seeds', '20', '--epochs', '30']
    # SIGINT as at a terminal: a test run started in the background (`cmd &` in a script, nohup) ignores it, and a child
    # inherits that; Python then never raises KeyboardInterrupt, and the demo would run to its end
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        t0 = time.time()
        while time.time() - t0 < 300 and p.poll() is None:
            if (out/'demo.csv').exists() and (out/'demo.csv').read_text().count('\n') >= 2: break   # the header and a run
            time.sleep(0.2)
        assert p.poll() is None, 'the demo ended before it could be interrupted'
        p.send_signal(signal.SIGINT)
        _,err = p.communicate(timeout=120)
    finally:
        if p.poll() is None: p.kill(); p.wait(timeout=30)
    assert p.returncode == 130
    assert 'Traceback' not in err
    assert err.strip().splitlines()[-1] == "finalbn: interrupted; the finished runs are kept in demo.csv; the same command resumes"
    from finalbn_fastai.results import load_results
    kept = len(load_results(out/'demo.csv'))
    assert 1 <= kept < 40


@pytest.fixture(scope='module')
def wide(tmp_path_factory):
    "A folder with enough images of a rare class for a recall target: 400 good parts, 200 scratched, 40 dented"
    return make_fake_classes(tmp_path_factory.mktemp('wide')/'parts', {'ok': 400, 'scratch': 200, 'dent': 40})

def test_recall_target_holds_on_the_test_split(wide, tmp_path):
    "Catches a --recall rule that does not carry from the validation split to the held-out test split, and a model that does not keep it"
    out = tmp_path/'m'
    rt = run_main('train', wide, '--out', out, '--size', '32', '--epochs', '2', '--bs', '32', '--valid', '0.25', '--test', '0.25', '--recall', 'scratch=0.9')
    assert rt.returncode == 0, rt.stderr[-2000:]
    assert 'Decision rule: scratch where p ≥ ' in rt.stdout and 'chosen on the validation split for a recall of 0.9' in (out/'MODEL_CARD.md').read_text()
    d = json.loads((out/'model.json').read_text())['decision']
    assert list(d['thresholds']) == ['scratch'] and d['recall'] == {'scratch': 0.9} and d['temperature'] > 0
    m = load_manifest(out/'manifest.csv')
    nv,nt = ((m.split == 'valid') & (m.label == 'scratch')).sum(),((m.split == 'test') & (m.label == 'scratch')).sum()
    tst = m[(m.split == 'test')]
    r = run_main('predict', out, *tst.path, '--out', tmp_path/'p.csv')
    assert r.returncode == 0, r.stderr[-2000:]
    p = pd.read_csv(tmp_path/'p.csv').assign(label=tst.label.values)
    recall = (p[p.label == 'scratch'].pred == 'scratch').mean()
    # the bound: the target less three standard errors of the difference of two binomial proportions at the target, for the validation and test counts
    slack = 3*np.sqrt(0.9*0.1*(1/nv + 1/nt))
    assert recall >= 0.9 - slack, (recall, 0.9 - slack)
    t = 1/(1 + np.exp(-d['thresholds']['scratch']))                                       # the threshold on the log-odds, as a probability
    assert (p.pred == np.where(p.p_scratch >= t, 'scratch', p[['p_dent', 'p_ok']].idxmax(axis=1).str[2:])).all()

def test_predict_images_equals_finalbn_predict(model, parts, tmp_path):
    "Catches the Python API and the command line disagreeing: predict_images in this process against finalbn predict in its own, to 1e-6"
    from finalbn_fastai.inference import load_model, predict_images
    _,out = model
    files = sorted((parts/'dent').iterdir())
    r = run_main('predict', out, *files, '--out', tmp_path/'p.csv', '--abstain', '0.6')
    assert r.returncode == 0, r.stderr[-2000:]
    cli = pd.read_csv(tmp_path/'p.csv')
    py = predict_images(load_model(out), files, abstain=0.6)
    cols = ['p_dent', 'p_ok', 'p_scratch']
    np.testing.assert_allclose(cli[cols], py[cols], atol=1e-6)
    assert cli.pred.tolist() == py.pred.tolist() and cli.pred_argmax.tolist() == py.pred_argmax.tolist()
    unsure = (py[cols].max(axis=1) < 0.6).sum()
    assert f"finalbn: {unsure} image(s) unsure (top probability below 0.6)" in r.stderr and (cli.pred == 'unsure').sum() == unsure

@pytest.mark.parametrize('args,msg', [
    (['--recall', 'sick=0.9'], "--recall names class 'sick', which the model does not have; its classes: dent, ok, scratch"),
    (['--recall', 'dent=1.5'], '--recall dent=1.5: it must be in (0, 1]'),
    (['--recall', 'dent=0'], '--recall dent=0: it must be in (0, 1]')])
def test_train_refuses_a_bad_recall_before_training(parts, tmp_path, capsys, args, msg):
    assert main(['train', parts, '--out', tmp_path/'m', '--size', '32', *args]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"finalbn: error: {msg}" and not (tmp_path/'m'/'model.json').exists()

def test_predict_refuses_bad_abstain_and_threshold(model, parts, tmp_path, capsys):
    _,out = model
    for args,msg in ((['--abstain', '1'], '--abstain must be in (0, 1), got 1'), (['--abstain', '0'], '--abstain must be in (0, 1), got 0'),
                     (['--threshold', 'sick=0.3'], "--threshold names class 'sick'"), (['--threshold', 'dent=1'], '--threshold dent=1: it must be in (0, 1)')):
        assert main(['predict', out, parts/'dent', '--out', tmp_path/'p.csv', *args]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count('\n') == 1, (args, err)
    assert not (tmp_path/'p.csv').exists()

def test_model_saved_before_calibration_still_predicts(model, parts, tmp_path):
    "Catches a model.json without a decision rule (an older model) refused or silently calibrated: it predicts its raw softmax, said once on stderr"
    import shutil
    _,out = model
    old = tmp_path/'old'; shutil.copytree(out, old)
    spec = json.loads((old/'model.json').read_text()); del spec['decision']; (old/'model.json').write_text(json.dumps(spec))
    r = run_main('predict', old, parts/'dent', '--out', '-')
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stderr.count('saved before models kept a calibration') == 1
    raw = run_main('predict', out, parts/'dent', '--out', '-', '--no-calibration')
    a,b = pd.read_csv(io.StringIO(r.stdout)),pd.read_csv(io.StringIO(raw.stdout))
    np.testing.assert_allclose(a[['p_dent', 'p_ok', 'p_scratch']], b[['p_dent', 'p_ok', 'p_scratch']], atol=1e-6)
    assert (a.pred == a.pred_argmax).all()
