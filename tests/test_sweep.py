"Sweeps from the command line on the real Apple leaves: killed with SIGKILL part-way and resumed; tables from the results."
import json, os, signal, subprocess, sys, time
from types import SimpleNamespace
from pathlib import Path
import pandas as pd, pytest
from finalbn_fastai.cli import main
from finalbn_fastai.config import ImageConfig, MnistConfig
from finalbn_fastai.grids import SCALES, paper_grid, table_4_8_grid, with_seeds
from finalbn_fastai.core import FinalBNError
from finalbn_fastai.results import load_results, load_probs, probs_dir
from finalbn_fastai.test_utils import make_fake_plantvillage, finalbn_cmd

TINY = ['--arch', 'resnet18', '--no-pretrained', '--size', '32', '--epochs', '1', '--bs', '32',
        '--train', '200,10', '--valid', '50,7', '--test', '50,50']
BASE = ImageConfig(arch='resnet18', pretrained=False, size=32, epochs=1, bs=32, train=(200,10), valid=(50,7), test=(50,50))

def n_rows(f):
    try: return max(f.read_text().count('\n') - 1, 0)
    except FileNotFoundError: return 0

def test_sweep_killed_and_resumed(plantvillage, tmp_path):
    res = tmp_path/'results.csv'
    cmd = finalbn_cmd('sweep', '--grid', 'paper', '--switches', 'BN,WL', '--seeds', 2, *TINY, '--results', res, '--data', plantvillage)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.time()
    while n_rows(res) < 2 and p.poll() is None and time.time()-t0 < 600: time.sleep(0.2)
    assert p.poll() is None, p.stderr.read().decode()[-2000:]
    p.send_signal(signal.SIGKILL); p.wait()
    assert p.returncode == -signal.SIGKILL
    before = load_results(res)                                     # readable after the kill
    assert 2 <= len(before) < 8
    assert all((probs_dir(res)/f'{k}.csv').exists() for k in before.key)

    r = subprocess.run(cmd, capture_output=True, text=True)         # resume
    assert r.returncode == 0, r.stderr[-2000:]
    after = load_results(res)
    expected = with_seeds(paper_grid(BASE, ('BN','WL')), [0, 1])
    assert len(after) == 8 and n_rows(res) == 8                      # exactly the 8 runs, none twice
    assert sorted(after.key) == sorted(c.key for c in expected)
    pd.testing.assert_frame_equal(after.iloc[:len(before)], before)  # the rows written before the kill are kept as they were
    assert sorted(after.config_id.unique()) == [15, 31, 47, 63]

    r = subprocess.run(finalbn_cmd('table', '4.2', '--results', res), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'Table 4.2' in r.stdout and 'without final BN' in r.stdout and '0.2942' in r.stdout   # the paper's number beside ours
    r = subprocess.run(finalbn_cmd('table', '4.4', '--results', res), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'paper average' in r.stdout and 'best' in r.stdout and 'worst' in r.stdout
    r = subprocess.run(finalbn_cmd('table', 'fig4.5', '--results', res, '--out', tmp_path/'f.png'), capture_output=True, text=True)
    assert r.returncode == 0 and (tmp_path/'f.png').read_bytes()[:4] == b'\x89PNG', r.stderr

def test_run_then_skip(plantvillage, tmp_path, capsys):
    res = tmp_path/'r.csv'
    assert main(['run', *TINY, '--no-final-bn', '--results', res, '--data', plantvillage]) == 0
    rows = load_results(res)
    assert len(rows) == 1 and not rows.final_bn[0] and rows.key[0] == BASE.replace(final_bn=False).key
    t0 = time.time()
    assert main(['run', *TINY, '--no-final-bn', '--results', res, '--data', plantvillage]) == 0
    assert time.time() - t0 < 5 and n_rows(res) == 1                 # done already: not run again
    assert main(['table', '4.6', '--results', res]) == 0
    assert 'final BN removed at test' in capsys.readouterr().out

@pytest.mark.parametrize('args,msg', [
    (['--arch', 'resnet35'], "unknown arch 'resnet35'"),
    (['--plant', 'Apple', '--train', '5000,10'], 'Apple has'),
    (['--bs', '0'], '--bs must be at least 1, got 0'),
])
def test_run_bad_arguments_one_line(plantvillage, tmp_path, capsys, args, msg):
    assert main(['run', *TINY, *args, '--results', tmp_path/'r.csv', '--data', plantvillage]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('finalbn: error: ') and msg in err[0], err

def test_bad_counts_argparse(tmp_path, capsys):
    assert main(['run', '--train', '10', '--results', tmp_path/'r.csv']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "finalbn run: error: argument --train: counts must be two whole numbers 'healthy,unhealthy' such as 1000,10; got '10'"

def test_empty_sweep(plantvillage, tmp_path, capsys):
    assert main(['sweep', '--grid', 'ratio', '--unhealthy', '', *TINY, '--results', tmp_path/'r.csv']) == 2
    assert 'the ratio sweep has no configurations' in capsys.readouterr().err

def test_results_of_another_version(tmp_path, capsys):
    old = tmp_path/'old.csv'
    old.write_text('run,config,f1\n1,x,0.5\n')
    assert main(['table', '4.2', '--results', old]) == 2
    assert 'is not a results file of this version' in capsys.readouterr().err
    assert main(['sweep', '--grid', 'one', *TINY, '--results', old]) == 2
    assert old.read_text() == 'run,config,f1\n1,x,0.5\n'
    assert main(['table', '9.9', '--results', old]) == 2
    assert "unknown table '9.9'" in capsys.readouterr().err

def _rows(df): return df.drop(columns='seconds').sort_values('key').reset_index(drop=True)

def _descendants(pid:int) -> list[int]:
    "Every process below `pid` (children, their children, ...)"
    parent = {}
    for d in Path('/proc').iterdir():
        try:
            if d.name.isdigit(): parent[int(d.name)] = int((d/'stat').read_text().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError): pass
    out,todo = [],[pid]
    while todo:
        q = todo.pop()
        kids = [k for k,v in parent.items() if v == q]
        out += kids; todo += kids
    return out

def _alive(pid:int) -> bool:
    try: return (Path('/proc')/str(pid)/'stat').read_text().rsplit(')', 1)[1].split()[0] not in ('Z', 'X')
    except OSError: return False

def _stop(procs, grace:float=10):
    "Stop the processes `procs` (Popen) and everything they started: SIGTERM, then SIGKILL after `grace` seconds"
    pids = [q for p in procs for q in (p.pid, *_descendants(p.pid))]
    for p in procs:
        if p.poll() is None: p.terminate()
    t0 = time.time()
    while any(map(_alive, pids)) and time.time()-t0 < grace: time.sleep(0.1)
    for q in pids:
        if _alive(q):
            try: os.kill(q, signal.SIGKILL)
            except ProcessLookupError: pass
    for p in procs: p.wait(timeout=10)

def _listening(pids) -> set[str]:
    "The local addresses on which the processes `pids` listen (TCP, IPv4 and IPv6)"
    inodes = {os.readlink(f'/proc/{p}/fd/{fd}')[8:-1] for p in pids for fd in os.listdir(f'/proc/{p}/fd')
              if os.readlink(f'/proc/{p}/fd/{fd}').startswith('socket:[')}
    addrs = set()
    for f in ('/proc/net/tcp', '/proc/net/tcp6'):
        for line in Path(f).read_text().splitlines()[1:]:
            local,_,state,*rest = line.split()[1:]
            if state == '0A' and rest[7] in inodes:                     # LISTEN, one of theirs
                h = bytes.fromhex(local.split(':')[0])
                addrs.add('.'.join(str(b) for b in h[::-1]) if len(h) == 4 else h.hex())
    return addrs

def _wait(cond, timeout:float, what:str, step:float=0.1):
    t0 = time.time()
    while not cond():
        if time.time()-t0 > timeout: raise AssertionError(f'timed out after {timeout} s waiting for {what}')
        time.sleep(step)

def _started(cmd, res, stdout=subprocess.DEVNULL):
    "The process of `cmd`, once it has written the first row of `res` (stopped, and the test failed, if it ends first)"
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: n_rows(res) >= 1 or p.poll() is not None, 300, 'the first row')
        assert p.poll() is None, p.stderr.read()[-2000:]
    except BaseException: _stop([p]); raise
    return p

@pytest.fixture(scope='module')
def dask_cluster(tmp_path_factory):
    "A Dask cluster on loopback, started here: a scheduler and a `dask worker` of two one-thread workers, whose own data (FINALBN_DATA) differ from the tests'"
    d = tmp_path_factory.mktemp('cluster')
    sched = d/'scheduler.json'
    make_fake_plantvillage(d/'theirs'/'plantvillage', {'healthy': 61, 'Black_rot': 10})
    dask = str(Path(sys.executable).parent/'dask')
    env = {**os.environ, 'DASK_DISTRIBUTED__WORKER__DAEMON': 'False', 'FINALBN_DATA': str(d/'theirs')}
    procs = [subprocess.Popen([dask, 'scheduler', '--host', '127.0.0.1', '--port', '0', '--scheduler-file', sched, '--no-dashboard',
                               '--dashboard-address', '127.0.0.1:0'],
                              stdout=subprocess.DEVNULL, stderr=open(d/'scheduler.log', 'w'), env=env)]
    try:
        _wait(lambda: sched.exists() and sched.stat().st_size > 0, 60, 'the scheduler file')
        procs.append(subprocess.Popen([dask, 'worker', '--scheduler-file', sched, '--nworkers', '2', '--nthreads', '1', '--no-dashboard',
                                       '--host', '127.0.0.1', '--dashboard-address', '127.0.0.1:0'],
                                      stdout=subprocess.DEVNULL, stderr=open(d/'worker.log', 'w'), env=env))
        from distributed import Client
        with Client(scheduler_file=str(sched), timeout='30s') as c: c.wait_for_workers(2, timeout=60)
        addr = json.loads(sched.read_text())['address']
        assert addr.startswith('tcp://127.0.0.1:'), addr                # loopback only
        assert _listening(q for p in procs for q in (p.pid, *_descendants(p.pid))) <= {'127.0.0.1'}
        yield SimpleNamespace(address=addr, scheduler_file=sched, worker=procs[1], log=d/'worker.log')
    finally: _stop(procs)

def _mnist_48():
    return with_seeds(table_4_8_grid(SCALES['test'].mnist_4_8.replace(n_majority=100, epochs=2)), [0, 1])[::4]

def test_rows_same_in_process_local_workers_and_cluster(mnist, dask_cluster, tmp_path):
    from finalbn_fastai.sweeps import sweep
    cfgs = _mnist_48()                                                   # 5 rows of Table 4.8
    one = sweep(cfgs, tmp_path/'one.csv', data=mnist, workers=1)
    two = sweep(cfgs, tmp_path/'two.csv', data=mnist, workers=2)
    far = sweep(cfgs, tmp_path/'far.csv', data=mnist, cluster=dask_cluster.address)
    assert len(one) == len(cfgs) and sorted(two.key) == sorted(far.key) == sorted(c.key for c in cfgs)
    for other,name in ((two, 'two'), (far, 'far')):
        pd.testing.assert_frame_equal(_rows(other), _rows(one))          # the rows do not depend on where the runs train
        for k in one.key: pd.testing.assert_frame_equal(load_probs(tmp_path/f'{name}.csv', k), load_probs(tmp_path/'one.csv', k))
        assert (tmp_path/f'{name}.csv').read_text().count('\n') == len(cfgs) + 1   # a header and each run once
    assert not list(tmp_path.glob('*.lock'))                             # each sweep let go of its results file

def test_worker_draws_are_the_runs_own(dask_cluster):
    from distributed import Client
    from finalbn_fastai.test_utils import seeded_draws
    here = seeded_draws()
    with Client(dask_cluster.address, timeout='30s') as c:              # a worker, with Dask's threads beside the task, as a sweep's run has
        there = c.submit(seeded_draws, pure=False).result(timeout=120)
    assert len(set(here)) == 1
    assert there == here, f'{sum(a != b for a,b in zip(there, here))} of {len(here)} draws differ'

def test_executor_used_as_given(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from finalbn_fastai.sweeps import sweep
    from finalbn_fastai.config import DigitsConfig
    from finalbn_fastai.grids import demo_grid
    with ThreadPoolExecutor(2) as ex:
        res = sweep(demo_grid(DigitsConfig(epochs=1)), tmp_path/'r.csv', executor=ex)
        assert len(res) == 2 and ex.submit(lambda: 7).result() == 7      # not shut down by the sweep

def test_killed_local_sweep_leaves_no_process_and_resumes(mnist, tmp_path):
    res = tmp_path/'m.csv'
    cmd = finalbn_cmd('mnist', '4.8', '--seeds', 3, '--epochs', 100, '--n-majority', 200, '--ratio', 0.05, '--workers', 2,
                      '--batch-seeds', 1, '--results', res, '--data', mnist)          # a run at a time: long enough to be killed mid-sweep
    p = _started(cmd, res)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)   # a second sweep on the same file refuses to start
        assert r.returncode == 2, r.stderr[-2000:]
        assert r.stderr.strip().splitlines()[-1].startswith(f'finalbn: error: {res} is in use by another sweep (pid {p.pid} on ')
        kids = _descendants(p.pid)                                       # the workers, and any helper they started
        assert len([k for k in kids if b'spawn_main' in (Path('/proc')/str(k)/'cmdline').read_bytes()]) == 2
    except BaseException: _stop([p]); raise
    p.send_signal(signal.SIGKILL); p.wait()
    t0 = time.time()
    while any(map(_alive, kids)) and time.time()-t0 < 5: time.sleep(0.05)
    left = [k for k in kids if _alive(k)]
    for k in left: os.kill(k, signal.SIGKILL)
    assert not left, f'{len(left)} process(es) of the killed sweep still alive after 5 s'
    before = load_results(res, MnistConfig)
    assert 1 <= len(before) < 27
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)     # resume: the killed sweep's lock is gone with it
    assert r.returncode == 0, r.stderr[-2000:]
    after = load_results(res, MnistConfig)
    assert len(after) == 27 and n_rows(res) == 27                                     # every run once
    pd.testing.assert_frame_equal(after.iloc[:len(before)], before)
    assert 'F1 of 3 (minority)' in r.stdout

def _cluster_cmd(res, mnist, cluster, seeds=3, epochs=10):
    return finalbn_cmd('mnist', '4.8', '--seeds', seeds, '--epochs', epochs, '--n-majority', 200, '--ratio', 0.05, '--cluster', cluster.address,
                       '--batch-seeds', 1, '--results', res, '--data', mnist)

def _worker_processes(cluster) -> list[int]:
    return [k for k in _descendants(cluster.worker.pid) if b'spawn_main' in (Path('/proc')/str(k)/'cmdline').read_bytes()]

def test_worker_killed_mid_sweep(mnist, dask_cluster, tmp_path):
    res = tmp_path/'m.csv'
    p = _started(_cluster_cmd(res, mnist, dask_cluster, seeds=2, epochs=60), res, stdout=subprocess.PIPE)
    try:
        workers = _worker_processes(dask_cluster)
        assert len(workers) == 2, workers
        assert n_rows(res) < 18
        os.kill(workers[0], signal.SIGKILL)                              # one worker dies in the middle of the sweep
        out,err = p.communicate(timeout=600)
    except BaseException: _stop([p]); raise
    assert p.returncode == 0, err[-2000:]
    after = load_results(res, MnistConfig)
    assert len(after) == 18 and n_rows(res) == 18 and after.key.is_unique     # every run, once
    assert 'F1 of 3 (minority)' in out
    _wait(lambda: len(_worker_processes(dask_cluster)) == 2, 60, "the nanny's new worker")

def test_cluster_driver_killed_then_resumed(mnist, dask_cluster, tmp_path):
    res = tmp_path/'m.csv'
    cmd = _cluster_cmd(res, mnist, dask_cluster)
    p = _started(cmd, res)
    p.send_signal(signal.SIGKILL); p.wait()
    before = load_results(res, MnistConfig)
    assert 1 <= len(before) < 27
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)      # the killed sweep's runs may still be training out there
    assert r.returncode == 0, r.stderr[-2000:]
    time.sleep(2)                                                             # and had they written rows, they would now be here
    after = load_results(res, MnistConfig)
    assert len(after) == 27 and n_rows(res) == 27 and after.key.is_unique
    pd.testing.assert_frame_equal(after.iloc[:len(before)], before)

def test_worker_with_other_data_is_caught(dask_cluster, tmp_path, monkeypatch):
    from finalbn_fastai.sweeps import sweep
    make_fake_plantvillage(tmp_path/'ours'/'plantvillage', {'healthy': 60, 'Black_rot': 10})   # not the workers' copy
    monkeypatch.setenv('FINALBN_DATA', str(tmp_path/'ours'))
    cfg = ImageConfig(arch='resnet18', pretrained=False, size=32, epochs=1, bs=16, train=(40,4), valid=(10,2), test=(10,4))
    with pytest.raises(FinalBNError, match=r"^worker tcp://127\.0\.0\.1:\d+ trained run \w+ on other images than this sweep's data give"):
        sweep([cfg], tmp_path/'r.csv', cluster=dask_cluster.address)
    assert n_rows(tmp_path/'r.csv') == 0                                      # nothing kept
    assert len(sweep([cfg], tmp_path/'r.csv')) == 1                           # here, on our own data, it runs

def test_cluster_unknown_scheduler_file_one_line(tmp_path, capsys):
    assert main(['mnist', '4.8', '--scheduler-file', tmp_path/'none.json', '--results', tmp_path/'m.csv']) == 2
    assert capsys.readouterr().err.strip() == f'finalbn: error: no such scheduler file: {tmp_path/"none.json"}'
    assert main(['mnist', '4.8', '--workers', 2, '--cluster', 'tcp://127.0.0.1:9', '--results', tmp_path/'m.csv']) == 2
    assert '--workers runs on this machine, --cluster and --scheduler-file on a Dask cluster: give one' in capsys.readouterr().err

def test_script_without_main_guard_one_line(tmp_path):
    script = tmp_path/'unguarded.py'                                   # the workers import a script: it must guard its sweep
    script.write_text(f"""from finalbn_fastai.sweeps import sweep
from finalbn_fastai.config import DigitsConfig
from finalbn_fastai.grids import demo_grid
sweep(demo_grid(DigitsConfig(epochs=1)), {str(tmp_path/'u.csv')!r}, workers=2)
""")
    r = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("finalbn_fastai.core.FinalBNError: the sweep's worker processes failed to start"), r.stderr[-1500:]
    assert "if __name__ == '__main__':" in last
    assert not (tmp_path/'u.csv').exists() and not (tmp_path/'u.csv.lock').exists()
