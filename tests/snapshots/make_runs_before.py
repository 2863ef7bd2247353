"""Rows of a few small runs of every kind, as the code before the reshaping gives them (commit 2bd1e92): PlantVillage runs on
the fast and the full path (weighted loss, re-sampling, removal of the final BN, augmentation and mixup), MNIST runs
(re-sampling, LDAM, the simple CNN, sigmoid outputs). It ran once, on that code; tests/test_results_compat.py reruns the
same configurations with the current code and compares the rows number for number."""
import json
from pathlib import Path
from finalbn_fastai.experiments import Config, run
from finalbn_fastai.mnist import MnistConfig, run_mnist
HERE = Path(__file__).resolve().parent
img = Config(arch='efficientnet_lite0', size=32, epochs=2, bs=32, train=(200,10), valid=(50,7), test=(50,50))
full = Config(arch='resnet18', pretrained=False, size=32, epochs=1, bs=32, train=(200,10), valid=(50,7), test=(50,50))
mn = MnistConfig(model='mlp', ratio=0.05, n_majority=200, n_valid=50, n_test=100, epochs=3)
images = [img, img.replace(final_bn=False, weighted_loss=True), img.replace(remedy='resample'), img.replace(remedy='ldam'),
          img.replace(remove_final_bn=True, seed=1), full, full.replace(data_aug=True, mixup=True, final_bn=False)]
mnist = [mn, mn.replace(remedy='resample'), mn.replace(remedy='ldam', epochs=5), mn.replace(model='cnn', epochs=2),
         mn.replace(activation='sigmoid', loss='bce'), mn.replace(first_bn=True, weighted_loss=True, seed=2)]
rows = [dict(kind='image', config={k: (list(v) if isinstance(v, tuple) else v) for k,v in c.__dict__.items()}, row=run(c).row) for c in images]
rows += [dict(kind='mnist', config=dict(c.__dict__), row=run_mnist(c).row) for c in mnist]
for r in rows: r['row'].pop('seconds')
json.dump(rows, open(HERE/'runs_before.json', 'w'), indent=1, default=str)
print(len(rows), 'rows')
