"The README's one-line use of `bn_head` with fastai's own `vision_learner` works as written."
import json
from torch import nn
from fastai.vision.all import vision_learner, resnet34, F1Score
from finalbn_fastai import bn_head, FinalBN, plantvillage_items, skewed_split, plant_dls
from finalbn_fastai.test_utils import make_fake_plantvillage

def test_bn_head_one_liner(tmp_path):
    items = plantvillage_items(make_fake_plantvillage(tmp_path, {'healthy': 30, 'Black_rot': 10}))
    dls = plant_dls(skewed_split(items, 'Apple', train=(20,4), valid=(4,2), test=(4,4)), size=32, bs=8)
    learn = vision_learner(dls, resnet34, custom_head=bn_head(512, dls.c), metrics=F1Score(), pretrained=False)
    head = learn.model[-1]
    assert isinstance(head[-1], FinalBN) and head[-1].num_features == 2
    assert isinstance(head[-2], nn.Linear) and head[-2].in_features == 512
    assert learn.model(dls.one_batch()[0]).shape == (8, 2)

# The README's Python pipelines run as written, with the offline pretrained body; only the sizes are cut for a test
# (32 px, one epoch) and the paths point at real or generated images.
import re
from pathlib import Path
import numpy as np

README = (Path(__file__).parents[1]/'README.md').read_text()

def readme_block(marker:str) -> str:
    "The README's python code block holding `marker`"
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"{len(found)} python blocks of the README hold {marker!r}"
    return found[0]

def smaller(code:str, paths:dict) -> str:
    for k,v in paths.items():
        assert k in code, k
        code = code.replace(k, v)
    assert 'size=224' in code and 'fit_one_cycle(10)' in code
    return code.replace('size=224', 'size=32').replace('fit_one_cycle(10)', 'fit_one_cycle(1)')

def test_readme_plantvillage_pipeline(plantvillage):
    ns = {}
    exec(smaller(readme_block("plantvillage_items('path/to/plantvillage')"), {"'path/to/plantvillage'": repr(str(plantvillage))}), ns)
    learn = ns['learn']
    assert learn.model[0].__class__.__name__ == 'TimmBody'                            # EfficientNet-Lite0, pretrained offline
    assert learn.dls.after_batch.fs.filter(lambda t: type(t).__name__ == 'Normalize')[0].mean.flatten().tolist() == [0.5]*3   # its normalisation, set for us
    m = ns['evaluate'](learn).metrics
    assert list(m.index) == ['healthy', 'unhealthy'] and int(m.support.sum()) == 300

def test_readme_own_images_pipeline(tmp_path, monkeypatch):
    from finalbn_fastai.test_utils import make_fake_classes
    imgs = make_fake_classes(tmp_path/'images', {'ok': 100, 'scratch': 12, 'dent': 10})   # enough for a batch of 64
    new = make_fake_classes(tmp_path/'new', {'x': 3})/'x'
    monkeypatch.chdir(tmp_path)
    ns = {}
    exec(smaller(readme_block("image_items('path/to/images')"), {"'path/to/images'": repr(str(imgs)), "'new_images/'": repr(str(new))}), ns)
    learn,split = ns['learn'],ns['split']
    assert sorted(split.label.unique()) == list(learn.dls.vocab) == ['dent', 'ok', 'scratch']
    assert (tmp_path/'model'/'model.safetensors').is_file() and (tmp_path/'model'/'MODEL_CARD.md').is_file()
    files = sorted(new.iterdir())
    saved,_ = learn.get_preds(dl=learn.dls.test_dl(files))
    again = ns['predict_images'](ns['load_model']('model'), [str(new)])               # the README's last line, on the same files
    assert again.path.tolist() == [str(f) for f in files]
    t = json.loads((tmp_path/'model'/'model.json').read_text())['decision']['temperature']
    np.testing.assert_allclose(again[['p_dent', 'p_ok', 'p_scratch']].to_numpy(), (saved.log()/t).softmax(1).numpy(), atol=1e-5)   # calibrated
    assert again.pred_argmax.tolist() == [learn.dls.vocab[i] for i in saved.argmax(1)]
