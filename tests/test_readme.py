"The README's one-line use of `bn_head` with fastai's own `vision_learner` works as written."
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
