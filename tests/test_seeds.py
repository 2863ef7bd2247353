"""Seeds trained as one model (`run_seeds`) give each seed's separate run: for S = 3, the training loss of every epoch within
1e-4 (relative), every test probability within 1e-4, every predicted class the same. On MNIST (both networks, every output
and loss of Table 4.8) and on the leaves (the head of the fast path, with its dropout); and a sweep's rows say how they trained."""
import json
import pytest
from finalbn_fastai.config import MnistConfig
from finalbn_fastai.grids import SCALES, table_4_8_grid, with_seeds
from finalbn_fastai.core import shared_data
from finalbn_fastai.training import run
from finalbn_fastai.seeds import run_seeds, seeds_agree
from finalbn_fastai.sweeps import sweep

mnist = pytest.mark.skipif(shared_data('mnist') is None, reason='needs the real MNIST (../shared/data/mnist or $FINALBN_DATA)')
leaves = pytest.mark.skipif(shared_data('plantvillage') is None, reason='needs the real PlantVillage (../shared/data/plantvillage or $FINALBN_DATA)')
SMALL = dict(n_majority=300, n_valid=20, n_test=100)

def _check(cfgs, data=None):
    "Batched and one after another: the rows trained as one model, and agreeing with the separate runs"
    bat = run_seeds(cfgs, data, bar=False)
    alone = [run(c, data, bar=False) for c in cfgs]
    assert [r.row['batched_seeds'] for r in bat] == [len(cfgs)]*len(cfgs)
    assert [r.row['key'] for r in bat] == [c.key for c in cfgs]
    agree = seeds_agree(bat, alone)
    assert agree['exact'], agree
    assert all(len(b.losses) == cfgs[0].epochs for b in bat)
    return bat, alone

@mnist
@pytest.mark.parametrize('row', range(9))
def test_table_4_8_rows_batched_exactly(row):
    "Catches a batched layer, loss or optimiser step that differs from a seed's own (each output, loss and BN of Table 4.8)"
    cfg = table_4_8_grid(MnistConfig(model='mlp', ratio=0.02, epochs=3, **SMALL))[row]
    _check(with_seeds([cfg], 3))

@mnist
def test_simple_cnn_batched_exactly():
    "Catches convolutions batched in another order of sums (a grouped convolution is 7e-4 off after two epochs)"
    _check(with_seeds([MnistConfig(model='cnn', ratio=0.1, epochs=2, **SMALL)], 3))

@mnist
def test_batched_exact_over_many_epochs():
    "Catches differences too small to show in a few epochs: the bias before the final BN turns any rounding into full Adam steps"
    _check(with_seeds([MnistConfig(model='mlp', ratio=0.01, epochs=30, **SMALL)], 3))

@leaves
def test_fast_path_head_batched_exactly():
    "Catches dropout masks (and loader draws) not each seed's own, and per-epoch test scores of the history that differ"
    cfg = SCALES['test'].base.replace(epochs=3)
    bat,alone = _check(with_seeds([cfg], 3))
    assert [r.row['fast_path'] for r in bat] == [True]*3
    assert [r.row['history'] for r in bat] == [r.row['history'] for r in alone]
    assert json.loads(bat[0].row['history'])[0]['train_loss'] != json.loads(bat[1].row['history'])[0]['train_loss']   # seeds differ

@leaves
def test_fast_path_head_weighted_and_final_bn_removed_batched_exactly():
    "Catches per-seed class weights mixed up, or the per-epoch test scores without the final BN (Table 4.6) taken with it"
    cfg = SCALES['test'].base.replace(epochs=2, weighted_loss=True, remove_final_bn=True)
    bat,alone = _check(with_seeds([cfg], 3))
    assert [r.row['history'] for r in bat] == [r.row['history'] for r in alone]

@mnist
def test_sweep_rows_say_batched(tmp_path):
    "Catches a sweep that does not batch seeds, or whose rows depend on it"
    cfgs = with_seeds(table_4_8_grid(MnistConfig(model='mlp', ratio=0.02, epochs=2, **SMALL))[3:5], 3)
    a = sweep(cfgs, tmp_path/'a.csv')
    b = sweep(cfgs, tmp_path/'b.csv', batch_seeds=1)
    assert a.batched_seeds.tolist() == [3]*6 and b.batched_seeds.tolist() == [1]*6
    same = lambda df: df.drop(columns=['seconds', 'batched_seeds']).sort_values('key', ignore_index=True)
    assert same(a).equals(same(b))
