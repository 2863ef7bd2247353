"The `finalbn` command line: help, the split and demo subcommands, and bad input."
import subprocess, sys
import pandas as pd, pytest
from finalbn_fastai.cli import main
from finalbn_fastai.data import load_manifest
from finalbn_fastai.test_utils import make_fake_plantvillage, run_finalbn as finalbn

@pytest.fixture
def fake(tmp_path):
    "A PlantVillage-like folder of 40 healthy and 12 diseased Apple images"
    return make_fake_plantvillage(tmp_path/'pv', {'healthy': 40, 'Black_rot': 6, 'Apple_scab': 6})

def test_help_lists_commands():
    r = finalbn('--help')
    assert r.returncode == 0
    assert 'demo' in r.stdout and 'split' in r.stdout
    r = finalbn('split', '--help')
    assert r.returncode == 0 and '--plant' in r.stdout and '--train' in r.stdout and 'default: 1000,10' in r.stdout

def test_help_and_version_without_torch():
    "Catches a heavy import (torch, fastai, pandas) creeping into the command line's --help, or into the configs"
    code = ("import sys; from finalbn_fastai.cli import main; main(['--help']); main(['run', '--help']); main(['--version']); "
            "print(sorted(m for m in ('torch', 'fastai', 'pandas') if m in sys.modules))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] == '[]', r.stdout[-500:] + r.stderr[-1000:]
    import finalbn_fastai
    assert f'finalbn_fastai {finalbn_fastai.__version__}' in r.stdout and '--no-final-bn' in r.stdout
    r = subprocess.run([sys.executable, '-c', "import sys, finalbn_fastai.config, finalbn_fastai.results; print(sorted(m for m in ('torch','fastai') if m in sys.modules))"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == '[]', r.stdout + r.stderr
    assert finalbn('--version').stdout.strip() == f'finalbn_fastai {finalbn_fastai.__version__}'
    r = subprocess.run([sys.executable, '-m', 'finalbn_fastai.cli', '--version'], capture_output=True, text=True)   # as a module, too
    assert r.stdout.strip() == f'finalbn_fastai {finalbn_fastai.__version__}'

def test_star_import_exports_no_test_helper():
    "Catches test fixtures leaking into the user's namespace, and a public name of the package going missing"
    ns = {}
    exec('from finalbn_fastai import *', ns)
    for helper in ('make_fake_plantvillage', 'fake_image', 'fake_results'): assert helper not in ns, helper
    for name in ('plantvillage_items', 'skewed_split', 'plant_dls', 'bn_head', 'finalbn_learner', 'remove_final_bn', 'evaluate', 'sweep', 'run'):
        assert callable(ns[name]), name

def test_no_or_unknown_command(capsys):
    assert main([]) == 2
    assert 'usage: finalbn COMMAND' in capsys.readouterr().err
    assert main(['fit']) == 2
    assert "unknown command 'fit'" in capsys.readouterr().err

def test_split_writes_exact_counts(fake, tmp_path, capsys):
    out = tmp_path/'m.csv'
    assert main(['split', fake, '--plant', 'apple', '--out', out, '--train', '20,4', '--valid', '5,2', '--test', '10,6']) == 0
    m = load_manifest(out)
    sizes = m.groupby(['split','label']).size().to_dict()
    assert sizes == {('train','healthy'):20, ('train','unhealthy'):4, ('valid','healthy'):5, ('valid','unhealthy'):2,
                     ('test','healthy'):10, ('test','unhealthy'):6}
    assert m.md5.is_unique
    assert 'written to' in capsys.readouterr().out

@pytest.mark.parametrize('args,msg', [
    (['--plant', 'Apple', '--train', '1000,10'], 'Apple has 40 distinct healthy images, but the split asks for 1300 (1000 train + 150 valid + 150 test)'),
    (['--plant', 'Pepper'], "plant 'Pepper' is not in the data; it has: Apple"),
    (['--train', '20,4'], 'train sizes gives 2 counts for 3 classes (Apple___Apple_scab, Apple___Black_rot, Apple___healthy): one per class'),
    (['--plant', 'Apple', '--classes', 'a,b'], '--classes is for a folder per class'),
    (['--plant', 'Apple', '--test', '10;6'], "--test must be two whole numbers"),
    (['--plant', 'Apple', '--train', '0,0', '--valid', '0,0', '--test', '0,0'], 'every split needs at least one image'),
])
def test_split_bad_input_is_one_line(fake, tmp_path, capsys, args, msg):
    out = tmp_path/'m.csv'
    assert main(['split', fake, '--out', out, *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith('finalbn: error: ') and msg in err[-1], err
    assert not out.exists()

def test_argparse_errors_exit_2(fake, tmp_path, capsys):
    assert main(['split', fake, '--plant', 'Apple', '--seed', '1.5']) == 2
    assert "argument --seed: invalid int value: '1.5'" in capsys.readouterr().err
    assert main(['split', '--help']) == 0
    assert '--plant' in capsys.readouterr().out

def test_split_missing_folder_no_traceback(tmp_path):
    r = finalbn('split', tmp_path/'nowhere', '--plant', 'Apple', '--out', tmp_path/'m.csv')
    assert r.returncode == 2
    assert r.stderr.strip() == f"finalbn: error: no such folder: {tmp_path/'nowhere'}"

def test_split_never_overwrites_by_accident(fake, tmp_path, capsys):
    out = tmp_path/'m.csv'
    out.write_text('my precious manifest')
    assert main(['split', fake, '--plant', 'Apple', '--out', out, '--train', '20,4', '--valid', '5,2', '--test', '10,6']) == 2
    assert 'exists; pass --force' in capsys.readouterr().err
    assert out.read_text() == 'my precious manifest'
    # a failing split with --force leaves the old file as it was, too
    assert main(['split', fake, '--plant', 'Pepper', '--out', out, '--force']) == 2
    assert out.read_text() == 'my precious manifest'
    assert main(['split', fake, '--plant', 'Apple', '--out', out, '--force', '--train', '20,4', '--valid', '5,2', '--test', '10,6']) == 0
    assert len(load_manifest(out)) == 47

def test_split_reports_unreadable_files(fake, tmp_path, capsys):
    (fake/'Apple___healthy'/'broken.jpg').write_bytes(b'')
    assert main(['split', fake, '--plant', 'Apple', '--out', tmp_path/'m.csv', '--train', '20,4', '--valid', '5,2', '--test', '10,6']) == 0
    err = capsys.readouterr().err
    assert 'finalbn: warning:' in err and 'broken.jpg (empty file)' in err
    assert 'broken.jpg' not in load_manifest(tmp_path/'m.csv').name.str.cat()

def test_split_real_apple_paper_counts(plantvillage, tmp_path):
    a,b = tmp_path/'a.csv', tmp_path/'b.csv'
    for out in (a,b): assert main(['split', plantvillage, '--plant', 'Apple', '--out', out, '--seed', '7']) == 0
    assert a.read_bytes() == b.read_bytes()                        # same seed, same manifest
    m = load_manifest(a)
    n = m.groupby(['split','label']).size()
    assert [(n[s,'healthy'], n[s,'unhealthy']) for s in ('train','valid','test')] == [(1000,10), (150,7), (150,150)]
    assert m.md5.is_unique and m.name.is_unique                     # content-disjoint splits
    assert set(m.plant) == {'Apple'}

def test_demo_writes_rows_and_chart(tmp_path, capsys):
    out = tmp_path/'demo'
    assert main(['demo', '--out', out, '--seeds', '2', '--epochs', '5']) == 0
    stdout = capsys.readouterr().out
    assert 'without final BN' in stdout and 'with final BN' in stdout and 'minority F1' in stdout
    from finalbn_fastai.results import load_results
    from finalbn_fastai.summaries import demo_table
    rows = load_results(out/'demo.csv')                               # a results file of the demo's runs
    assert sorted(zip(rows.final_bn, rows.seed)) == [(False,0), (False,1), (True,0), (True,1)] and set(rows.epochs) == {5}
    assert demo_table(rows).loc['with final BN', 'minority F1 (3)'] in stdout   # what it printed is the table of its rows
    assert (out/'demo.png').read_bytes()[:4] == b'\x89PNG'
    assert main(['demo', '--out', out, '--seeds', '2', '--epochs', '5']) == 0   # again: the runs are done, the same table
    assert len(load_results(out/'demo.csv')) == 4

def test_demo_bad_out(tmp_path, capsys):
    f = tmp_path/'file'
    f.write_text('keep me')
    assert main(['demo', '--out', f, '--seeds', '1']) == 2
    assert 'is a file, not a folder' in capsys.readouterr().err
    assert main(['demo', '--out', f/'sub', '--seeds', '1']) == 2     # the OS refuses: still one line
    assert capsys.readouterr().err.startswith('finalbn: error: ')
    assert f.read_text() == 'keep me'

def test_split_out_is_a_folder(fake, tmp_path, capsys):
    assert main(['split', fake, '--plant', 'Apple', '--out', tmp_path, '--force']) == 2
    assert 'is a folder: name a file in it' in capsys.readouterr().err

INSIDE = ['table_4_5.csv', 'calibration.csv', 'fig_4_4_gradcam.png', 'fig_4_8_softmax.png', 'fig_4_9_reliability.png',
          'confidence_hist.png', 'gradcam_epochs_no_bn.png', 'gradcam_epochs_bn.png']

def test_inside_draws_every_figure(fake, tmp_path, capsys):
    out = tmp_path/'inside'
    assert main(['inside', '--data', fake, '--arch', 'resnet18', '--no-pretrained', '--size', '32', '--epochs', '2', '--bs', '8',
                 '--train', '20,4', '--valid', '5,2', '--test', '10,6', '--out', out, '--watch', '2']) == 0
    assert sorted(f.name for f in out.iterdir()) == sorted(INSIDE)
    for f in INSIDE:
        if f.endswith('.png'): assert (out/f).read_bytes()[:4] == b'\x89PNG', f
    cal = pd.read_csv(out/'calibration.csv', index_col=0)
    assert list(cal.index) == ['without final BN', 'with final BN']
    assert cal['Brier (paper)'].tolist() == [0.349, 0.158]           # the paper's, from the package's data, beside ours
    t45 = pd.read_csv(out/'table_4_5.csv')
    assert ((t45['without final BN'] < 0.5) & (t45['with final BN'] >= 0.5)).all()
    assert list(t45.columns) == ['item', 'without final BN', 'with final BN', 'paper, without final BN', 'paper, with final BN']
    assert f'8 files written to {out}' in capsys.readouterr().out

def test_inside_bad_input(fake, tmp_path, capsys):
    assert main(['inside', '--data', fake, '--watch', '0']) == 2
    assert 'finalbn: error: --watch must be at least 1, got 0' in capsys.readouterr().err
    f = tmp_path/'notes.txt'; f.write_text('mine')
    assert main(['inside', '--data', fake, '--out', f]) == 2
    assert 'is a file' in capsys.readouterr().err and f.read_text() == 'mine'

def test_mnist_table_4_8_and_resume(mnist, tmp_path, capsys):
    res = tmp_path/'mnist.csv'
    args = ['mnist', '4.8', '--seeds', '1', '--epochs', '1', '--n-majority', '100', '--ratio', '0.05', '--results', res]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert 'Table 4.8 (mlp, 100 per majority digit, ratio 0.05, 1 epochs): 9 run(s) into' in out
    rows = pd.read_csv(res)
    assert len(rows) == 9 and rows.key.is_unique and set(rows.activation) == {'sigmoid', 'softmax'}
    assert main(args) == 0                                           # resumed: nothing to run, nothing appended
    assert len(pd.read_csv(res)) == 9
    capsys.readouterr()
    assert main(['table', '4.8', '--results', res]) == 0
    t = capsys.readouterr().out
    assert 'F1 of 3 (minority)' in t and 'sigmoid' in t and '0.88' in t      # the paper's best row beside ours
    assert main(['table', '4.2', '--results', res]) == 2              # an MNIST file is not one of image runs
    assert 'holds runs of MnistConfig (finalbn-mnist-2), not of ImageConfig' in capsys.readouterr().err

def test_mnist_bad_input(tmp_path, capsys):
    assert main(['mnist', '4.9']) == 2
    assert "unknown MNIST sweep '4.9'" in capsys.readouterr().err
    assert main(['mnist', '4.8', '--model', 'resnet', '--results', tmp_path/'r.csv']) == 2
    assert "model must be 'cnn' or 'mlp'" in capsys.readouterr().err
    assert not (tmp_path/'r.csv').exists()
    assert main(['mnist', '4.7', '--data', tmp_path, '--results', tmp_path/'r.csv']) == 2
    assert 'holds neither' in capsys.readouterr().err
    for cmd in ('mnist', 'sweep'):
        assert main([cmd, *(['4.8'] if cmd=='mnist' else []), '--workers', '-1', '--results', tmp_path/'r.csv']) == 2
        assert '--workers must not be negative' in capsys.readouterr().err
        assert main([cmd, *(['4.8'] if cmd=='mnist' else []), '--batch-seeds', '0', '--results', tmp_path/'r.csv']) == 2
        assert '--batch-seeds must be at least 1, got 0' in capsys.readouterr().err
    assert main(['mnist', '4.8', '--n-majority', '-1', '--results', tmp_path/'r.csv']) == 2
    assert 'n_majority must be at least 0' in capsys.readouterr().err
    for args,msg in [(['4.7', '--epochs', '5,20'], '--epochs takes one number for 4.7; lists of levels are for the map'),
                     (['4.7', '--grid', 'main'], '--grid is for the map, not for 4.7'), (['map', '--ratio', '0.1'], '--ratio does not apply to the map'),
                     (['body', '--epochs', '5'], '--epochs does not apply to body'), (['4.8', '--arch', 'resnet34'], '--arch is for body')]:
        assert main(['mnist', *args, '--results', tmp_path/'r.csv']) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count('\n') == 1, (args, err)
    assert not (tmp_path/'r.csv').exists()

def test_mnist_defaults_to_the_stated_protocol(mnist, tmp_path, capsys):
    "Catches `finalbn mnist` drifting from the one protocol the chapter states (1,000 + 10), and --n-majority 0 not giving full MNIST"
    from finalbn_fastai.config import config_counts
    from finalbn_fastai.results import load_results, row_config
    from finalbn_fastai.training import config_split
    from finalbn_fastai.data import train_counts
    for extra,counts,what in [([], (1000, 10), '1000 per majority digit, ratio 0.01'), (['--n-majority', '0'], (5651, 57), 'all (full MNIST) per majority digit, ratio 0.01')]:
        res = tmp_path/f'm{len(extra)}.csv'
        assert main(['mnist', '4.8', '--seeds', '1', '--epochs', '1', '--workers', '1', '--results', res, *extra]) == 0
        assert f'Table 4.8 (mlp, {what}, 1 epochs): 9 run(s)' in capsys.readouterr().out
        rows = load_results(res)
        cfg = row_config(rows.iloc[0])
        assert tuple(train_counts(config_split(cfg), ['8', '3'])) == counts                     # the split the run trained on
        assert {tuple(n for n,_ in config_counts(row_config(r)).values()) for r in rows.to_dict('records')} == {counts}

def test_mnist_map_small_and_its_refusals(mnist, tmp_path, capsys):
    "Catches the map's sweep, its table, and each bad input (an unknown grid, more minority images than a digit has, another grid's file) not refused in one line before training"
    res = tmp_path/'map.csv'
    assert main(['mnist', 'map', '--grid', 'small', '--results', res]) == 0
    out = capsys.readouterr().out
    assert 'The map (small: 12 points, each without and with the final BN): 48 run(s) into' in out
    assert 'centre' in out and 'Δ gain' in out and 'scaling' in out and 'schedule' in out
    assert len(pd.read_csv(res)) == 48
    assert main(['mnist', 'map', '--grid', 'small', '--results', res]) == 0            # resumed: nothing more
    assert len(pd.read_csv(res)) == 48
    capsys.readouterr()
    other = tmp_path/'t48.csv'
    assert main(['mnist', '4.8', '--seeds', '1', '--epochs', '1', '--n-majority', '100', '--ratio', '0.05', '--workers', '1', '--results', other]) == 0
    before = other.read_bytes(); capsys.readouterr()
    for args,msg in [(['--grid', 'huge', '--results', tmp_path/'x.csv'], "unknown map grid 'huge'; grids are main, small"),
                     (['--grid', 'small', '--n-minority', '5,7000', '--results', tmp_path/'x.csv'], 'digit 3 has 6131 training and 1010 test images; 7000 training'),
                     (['--grid', 'small', '--results', other], "run(s) that are not of the grid 'small'"),
                     (['--grid', 'main', '--results', res], "run(s) that are not of the grid 'main'")]:
        assert main(['mnist', 'map', *args]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count('\n') == 1, (args, err)
    assert not (tmp_path/'x.csv').exists() and other.read_bytes() == before and len(pd.read_csv(res)) == 48   # nothing trained, nothing written
    assert main(['table', 'map', '--results', tmp_path, '--out', tmp_path/'map.png']) == 0           # the map of a folder of results files
    out = capsys.readouterr().out
    assert 'MNIST 3 vs 8, cnn, 400 + 10' in out and (tmp_path/'map.png').stat().st_size > 10_000

def test_remedies_sweep_and_table(fake, tmp_path, capsys):
    res = tmp_path/'rem.csv'
    assert main(['sweep', '--grid', 'remedies', '--data', fake, '--arch', 'efficientnet_lite0', '--size', '32', '--epochs', '2',
                 '--bs', '8', '--train', '20,4', '--valid', '5,2', '--test', '10,6', '--seeds', '2', '--results', res]) == 0
    assert 'remedies sweep: 36 run(s) into' in capsys.readouterr().out
    rows = pd.read_csv(res, keep_default_na=False)
    assert len(rows) == 36 and set(rows.remedy) == {'', 'focal', 'cb', 'la', 'ldam', 'ls', 'resample'}
    assert main(['table', 'remedies', '--results', res]) == 0
    out = capsys.readouterr().out
    for name in ('final BN + LDAM-DRW', 'tuned threshold', 'temperature scaling', 'p_holm'): assert name in out, name

def test_mnist_remedies_sweep_and_table(mnist, tmp_path, capsys):
    res = tmp_path/'mrem.csv'
    assert main(['mnist', 'remedies', '--seeds', '2', '--epochs', '1', '--n-majority', '100', '--ratio', '0.05', '--results', res]) == 0
    out = capsys.readouterr().out
    assert 'Remedies (cnn, 100 per majority digit, ratio 0.05, 1 epochs): 36 run(s) into' in out and 'MNIST 3 vs 8' in out
    rows = pd.read_csv(res, keep_default_na=False)
    assert len(rows) == 36 and set(rows.remedy) == {'', 'focal', 'cb', 'la', 'ldam', 'ls', 'resample'} and set(rows.minority.astype(str)) == {'3'}
    assert main(['table', 'remedies', '--results', res]) == 0       # the table finds an MNIST results file by itself
    out = capsys.readouterr().out
    for name in ('ratio 0.05', 'final BN, no affine', 'post-hoc logit adjustment', 'p_holm'): assert name in out, name
