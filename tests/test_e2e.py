"End to end on the real Apple leaves: split, DataLoaders, a learner trained for an epoch, evaluation, final BN removed."
import numpy as np, torch
from torch import nn
from fastai.vision.all import set_seed
from finalbn_fastai import plantvillage_items, skewed_split, plant_dls, finalbn_learner, evaluate, remove_final_bn, FinalBN

def n_bn(m): return sum(isinstance(o, nn.modules.batchnorm._BatchNorm) for o in m.modules())

def test_apple_end_to_end(plantvillage):
    items = plantvillage_items(plantvillage)
    split = skewed_split(items, 'Apple', seed=0)                     # the paper's counts
    dls = plant_dls(split, size=64, bs=64)
    assert [len(dl.dataset) for dl in dls.loaders] == [1010, 157, 300]
    set_seed(0, reproducible=True)
    learn = finalbn_learner(dls, 'resnet34', pretrained=False)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, 1e-3)
    assert len(learn.recorder.values) == 1

    ev = evaluate(learn)
    assert list(ev.metrics.index) == ['healthy','unhealthy']
    assert ev.metrics.support.tolist() == [150, 150]
    p = ev.probs                                                     # the unhealthy F1 by hand, from the outputs per image
    tp = ((p.pred=='unhealthy') & (p.target=='unhealthy')).sum()
    assert np.isclose(ev.metrics.f1['unhealthy'], 2*tp/((p.pred=='unhealthy').sum() + 150))
    assert len(ev.probs) == 300
    np.testing.assert_allclose(ev.probs[['p_healthy','p_unhealthy']].sum(axis=1), 1, atol=1e-5)

    nobn = remove_final_bn(learn)
    assert n_bn(nobn.model) == n_bn(learn.model) - 1
    assert not any(isinstance(o, FinalBN) for o in nobn.model.modules())
    ev2 = evaluate(nobn)
    assert len(ev2.probs) == 300 and ev2.metrics.support.tolist() == [150, 150]
    # it predicts from the same logits, only without the final normalisation
    xb,_ = dls[2].one_batch()
    learn.model.eval()
    with torch.no_grad():
        assert torch.allclose(nobn.model.eval()(xb), learn.model[1][:-1](learn.model[0](xb)), atol=1e-5)

def test_engine_on_another_folder_layout(tmp_path):
    "Any folder-per-class set (here ISIC's benign/malignant layout, generated) splits and trains through the same engine and CLI"
    import pandas as pd
    from finalbn_fastai.test_utils import fake_image
    from finalbn_fastai.config import ImageConfig
    from finalbn_fastai.sweeps import sweep
    from finalbn_fastai.results import load_results
    from finalbn_fastai.cli import main
    root = tmp_path/'isic'
    for i,(cls,n) in enumerate([('benign', 50), ('malignant', 12)]):
        (root/cls).mkdir(parents=True)
        for j in range(n): fake_image(root/cls/f'{cls}_{j}.jpg', seed=i*1000+j)
    cfg = ImageConfig(plant='ISIC', groups='benign:malignant', arch='resnet18', pretrained=False, size=32, epochs=1, bs=8,
                 train=(30,4), valid=(5,2), test=(10,6))
    res = sweep([cfg, cfg.replace(final_bn=False)], tmp_path/'r.csv', data=root)
    assert len(res) == 2 and set(res.plant) == {'ISIC'} and set(res.groups) == {'benign:malignant'}
    assert res.manifest.nunique() == 1                                # the two models on one split of the generated folders
    from finalbn_fastai.results import load_probs
    probs = load_probs(tmp_path/'r.csv', cfg.key)
    assert len(probs) == 16 and probs.item.str.startswith('malignant/').sum() == 6              # the test images, by name,
    assert (probs.target == probs.item.str.split('/').str[0].map({'benign': 'healthy', 'malignant': 'unhealthy'})).all()   # each with its folder's label
    assert main(['run', '--plant', 'ISIC', '--groups', 'benign:malignant', '--data', str(root), '--arch', 'resnet18', '--no-pretrained',
                 '--size', '32', '--epochs', '1', '--bs', '8', '--train', '30,4', '--valid', '5,2', '--test', '10,6',
                 '--final-bias', '--results', str(tmp_path/'r.csv')]) == 0
    rows = load_results(tmp_path/'r.csv')
    assert len(rows) == 3 and rows.final_bias.tolist() == [False, False, True]
    assert main(['run', '--groups', 'benign', '--data', str(root), '--results', str(tmp_path/'r.csv')]) == 2   # one line, nothing written
    assert len(load_results(tmp_path/'r.csv')) == 3

def test_run_help_lists_the_additional_switches(capsys):
    from finalbn_fastai.cli import main
    assert main(['run', '--help']) == 0
    out = capsys.readouterr().out
    for opt in ('--final-bias', '--selu', '--groups', '--unfreeze-bn', '--arch'): assert opt in out, opt
