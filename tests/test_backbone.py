"The offline ImageNet-pretrained body: real photographs get their real ImageNet classes, and fastai builds a frozen learner on it."
import timm, torch
from PIL import Image
from skimage import data
from finalbn_fastai.model import efficientnet_lite0_weights, finalbn_learner, arch_stats, FinalBN
from finalbn_fastai.data import plantvillage_items, skewed_split, plant_dls
from finalbn_fastai.test_utils import make_fake_plantvillage

def top5(name):
    m = timm.create_model('tf_efficientnet_lite0', pretrained=True, pretrained_cfg_overlay=dict(file=str(efficientnet_lite0_weights()))).eval()
    tfm = timm.data.create_transform(**timm.data.resolve_data_config({}, model=m))
    with torch.no_grad(): return set(m(tfm(Image.fromarray(getattr(data, name)()))[None]).topk(5).indices[0].tolist())

def test_imagenet_classes_of_real_photos():
    assert top5('chelsea') & {281, 282, 283, 284, 285}     # tabby, tiger cat, Persian, Siamese, Egyptian cat
    assert top5('coffee') & {967, 968}                     # espresso, cup

def test_offline_learner_is_pretrained_and_frozen(tmp_path):
    items = plantvillage_items(make_fake_plantvillage(tmp_path, {'healthy': 30, 'Black_rot': 10}))
    dls = plant_dls(skewed_split(items, 'Apple', train=(20,4), valid=(4,2), test=(4,4)), size=32, bs=8, stats=arch_stats('efficientnet_lite0'))
    learn = finalbn_learner(dls, 'efficientnet_lite0')
    sd = torch.load(efficientnet_lite0_weights())
    assert torch.equal(learn.model[0].model.conv_stem.weight, sd['conv_stem.weight'])
    assert not any(p.requires_grad for p in learn.model[0].parameters())
    assert isinstance(learn.model[1][-1], FinalBN) and learn.model(dls.one_batch()[0]).shape == (8, 2)

def test_offline_body_unfreeze_bn(tmp_path):
    "UF on: the frozen body's BN layers train and their statistics follow the leaves; the convolutions stay frozen"
    from torch import nn
    items = plantvillage_items(make_fake_plantvillage(tmp_path, {'healthy': 30, 'Black_rot': 10}))
    dls = plant_dls(skewed_split(items, 'Apple', train=(20,4), valid=(4,2), test=(4,4)), size=32, bs=8, stats=arch_stats('efficientnet_lite0'))
    learn = finalbn_learner(dls, 'efficientnet_lite0', unfreeze_bn=True)
    bns = [m for m in learn.model[0].modules() if isinstance(m, nn.BatchNorm2d)]
    convs = [m for m in learn.model[0].modules() if isinstance(m, nn.Conv2d)]
    assert all(p.requires_grad for m in bns for p in m.parameters())
    assert not any(p.requires_grad for m in convs for p in m.parameters())
    before = torch.cat([m.running_mean.clone() for m in bns])
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    assert not torch.equal(before, torch.cat([m.running_mean for m in bns]))
