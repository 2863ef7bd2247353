"""The package as a user gets it: a wheel that carries the paper's numbers and prints a table from any folder; every
module exported from a notebook; notebooks small; the README's result tables as the committed results files give them;
notebooks that need absent data skipped with a reason."""
import os, re, shutil, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    "The package built as a wheel (no build isolation: this machine's setuptools)"
    d,src = tmp_path_factory.mktemp('wheel'),tmp_path_factory.mktemp('src')   # built from a copy: setuptools leaves build/ behind
    shutil.copytree(ROOT/'finalbn_fastai', src/'finalbn_fastai', ignore=shutil.ignore_patterns('__pycache__'))
    for f in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/f, src/f)
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(src), '--no-deps', '--no-build-isolation', '-q', '-w', str(d)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    return next(d.glob('finalbn_fastai-*.whl'))

def test_wheel_carries_the_papers_numbers(wheel):
    "Catches the paper's CSV files left out of the wheel (a table then fails after a non-editable install)"
    names = set(zipfile.ZipFile(wheel).namelist())
    papers = {f'finalbn_fastai/paper_data/{f.name}' for f in (ROOT/'finalbn_fastai'/'paper_data').glob('*.csv')}
    assert len(papers) == 8 and papers <= names
    assert not any(n.startswith(('nbs/', 'tests/')) for n in names)

def test_installed_wheel_prints_a_table_from_elsewhere(wheel, tmp_path):
    "Catches a table that finds the paper's numbers only beside a clone: the wheel, installed alone, run from another folder"
    site = tmp_path/'site'
    r = subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', str(site), str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    elsewhere = tmp_path/'elsewhere'; elsewhere.mkdir()
    env = {**os.environ, 'PYTHONPATH': str(site)}
    r = subprocess.run([sys.executable, '-c', 'import finalbn_fastai; print(finalbn_fastai.__file__)'], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert r.stdout.startswith(str(site)), r.stdout + r.stderr        # the installed copy, not the clone
    r = subprocess.run([str(site/'bin'/'finalbn'), 'table', '4.2', '--results', str(ROOT/'nbs'/'results'/'cpu.csv')],   # the wheel's own script
                       capture_output=True, text=True, cwd=elsewhere, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'Table 4.2' in r.stdout and '0.2942' in r.stdout and 'paper' in r.stdout   # with the paper's column

def test_every_module_is_exported_from_a_notebook():
    "Catches a hand-written module, or a stale one whose notebook is gone"
    exported = {m for nb in (ROOT/'nbs').rglob('*.ipynb') for m in re.findall(r'#\| default_exp (\w+)', nb.read_text())}
    modules = {p.stem for p in (ROOT/'finalbn_fastai').glob('*.py')} - {'__init__', '_modidx'}
    assert modules == exported

def test_notebooks_are_small():
    "Catches a notebook that carries its figures (or anything else) as megabytes of output: the figures are PNG files in nbs/figures"
    sizes = {nb.relative_to(ROOT).as_posix(): nb.stat().st_size for nb in (ROOT/'nbs').rglob('*.ipynb')}
    assert len(sizes) >= 30
    assert {k: v for k,v in sizes.items() if v > 2_000_000} == {}

def test_readme_tables_are_the_results_files():
    "Catches a README table typed by hand or left behind by new runs: each is what the committed results files give"
    sys.path.insert(0, str(ROOT/'tools'))
    import readme_tables
    readme = (ROOT/'README.md').read_text()
    for name,f in readme_tables.TABLES.items(): assert f() in readme, f"README's {name} table is not what tools/readme_tables.py draws from nbs/results"

def test_notebooks_needing_absent_data_are_skipped(tmp_path):
    "Catches a notebook that needs the real data but does not say so: without the data, the notebooks left all run"
    env = {**os.environ, 'FINALBN_DATA': str(tmp_path/'no_data'), 'FINALBN_CACHE': str(tmp_path/'cache')}
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'data_skips.py')], capture_output=True, text=True, env=env)
    skipped = set(re.findall(r'SKIPPED nbs/(\S+):', r.stderr))
    declared = {nb.relative_to(ROOT/'nbs').as_posix() for nb in (ROOT/'nbs').rglob('*.ipynb') if 'requires-data:' in nb.read_text()}
    assert skipped == declared and {'api/04_data.ipynb', '26_table_4_2.ipynb', '36_table_4_7.ipynb'} <= skipped
    assert all('copy is absent' in l for l in r.stderr.strip().splitlines())
    nbdev_test = Path(sys.executable).parent/'nbdev-test'
    r = subprocess.run([str(nbdev_test), '--n-workers', '2', '--skip-file-re', r.stdout.strip(), str(ROOT/'nbs')],
                       capture_output=True, text=True, env=env, timeout=1200)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]

def test_no_file_calls_full_mnist_the_papers_scale():
    "Catches full MNIST (all of each majority digit) called the paper's or the chapter's scale anywhere (the chapter states no MNIST counts), or our momentum called the paper's"
    bad = re.compile(r"(paper|chapter)'s (own )?scale|paper scale\b|paper's momentum|which the (paper|study) used", re.I)   # and our momentum as theirs
    skip = {'.venv', '.git', '_docs', '_proc', 'results', '__pycache__'}
    files = [f for f in ROOT.rglob('*') if f.is_file() and not skip & set(f.relative_to(ROOT).parts) and f != Path(__file__)
             and (f.suffix in ('.py', '.md', '.ipynb', '.toml', '.yml') or f.name == 'Makefile')]
    assert len(files) > 50
    hits = [f"{f.relative_to(ROOT)}:{i}: {m.group(0)}" for f in files for i,line in enumerate(f.read_text().splitlines(), 1) if (m := bad.search(line))]
    assert not hits, hits[:5]

def test_modules_import_only_earlier_modules_and_public_names():
    "Catches a module that imports from a later one (the package reads in the data's order) or takes another module's private `_name`"
    import ast
    from finalbn_fastai import _MODULES
    order = _MODULES + ['cli', 'test_utils']
    assert set(order) == {p.stem for p in (ROOT/'finalbn_fastai').glob('*.py')} - {'__init__', '_modidx'}
    bad = []
    for i,m in enumerate(order):
        for node in ast.walk(ast.parse((ROOT/'finalbn_fastai'/f'{m}.py').read_text())):
            if not isinstance(node, ast.ImportFrom): continue
            src = node.module.removeprefix('finalbn_fastai.') if node.module and node.module.startswith('finalbn_fastai.') else node.module if node.level else None
            if src is None or src not in order: continue
            if order.index(src) >= i: bad.append(f'{m} imports the later module {src}')
            bad += [f'{m} imports {src}.{a.name}' for a in node.names if a.name.startswith('_')]
    assert not bad, bad

def test_notebook_outputs_are_clean():
    "Catches a committed notebook output holding progress-bar text, a path of the machine that ran it, a warning, or an embedded image over 100 KB"
    import base64, json, tempfile
    bar = re.compile(r'\r|[█▏▎▍▌▋▊▉]|\d+\.\d+% \[\d+/\d+')
    roots = {'/work/', '/tmp/', '/root/', '/home/', '/Users/', '/mnt/', '/var/folders/', tempfile.gettempdir().rstrip('/')+'/', str(Path.home()).rstrip('/')+'/'}
    path = re.compile('|'.join(map(re.escape, sorted(roots))) + r'|\b[A-Z]:\\')                 # POSIX roots, and Windows drives
    warning = re.compile(r'\b\w*Warning\b|^\s*warnings\.warn', re.M)
    bad, n = [], 0
    for nb in sorted((ROOT/'nbs').rglob('*.ipynb')):
        for i,c in enumerate(json.loads(nb.read_text())['cells']):
            for o in c.get('outputs', []):
                n += 1
                data = o.get('data', {})
                text = ''.join(o.get('text', [])) + ' '.join(o.get('traceback', [])) + ''.join(
                    ''.join(v) if isinstance(v, list) else str(v) for k,v in data.items() if not k.startswith('image/'))
                where = f'{nb.relative_to(ROOT)} cell {i}'
                bad += [f'{where}: {what}' for what,rx in (('progress bar', bar), ('machine path', path), ('warning', warning)) if rx.search(text)]
                sizes = {k: len(''.join(v).encode()) if k == 'image/svg+xml' else len(base64.b64decode(''.join(v))) for k,v in data.items() if k.startswith('image/')}
                bad += [f'{where}: {k} of {n_/1e3:.0f} KB' for k,n_ in sizes.items() if n_ > 100_000]
    assert n > 100                                                  # the notebooks do keep their outputs
    assert not bad, bad

def test_readme_lists_every_module_in_the_data_order():
    "Catches a module missing from the README's 'How the package is built', listed out of the package's order, or linked to a notebook that is not there"
    from finalbn_fastai import _MODULES
    rows = re.findall(r'^\| \[(\w+)\]\((nbs/api/\w+\.ipynb)\) \| `(\w+)` \| (.+) \|$', (ROOT/'README.md').read_text(), re.M)
    assert [m for _,_,m,_ in rows] == _MODULES + ['cli', 'test_utils']
    assert all((ROOT/p).is_file() and f'#| default_exp {m}' in (ROOT/p).read_text() for _,p,m,_ in rows)
    assert [p for _,p,_,_ in rows] == sorted(p for _,p,_,_ in rows)          # numbered in that order

def test_readme_command_reference_is_the_cli():
    "Catches a command missing from the README's command reference, or listed in another order than `finalbn --help`"
    from finalbn_fastai.cli import COMMANDS
    listed = re.findall(r'^- `finalbn (\w+)', (ROOT/'README.md').read_text(), re.M)
    assert listed == list(COMMANDS)
