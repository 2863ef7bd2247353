import os, tempfile
import pytest

# The tests get a feature cache of their own (inherited by the processes they start): what a user's earlier runs left in
# ~/.cache/finalbn_fastai can neither help nor break them.
os.environ['FINALBN_CACHE'] = tempfile.mkdtemp(prefix='finalbn_test_cache_')

from finalbn_fastai.core import shared_data

@pytest.fixture(scope='session')
def plantvillage():
    "The real PlantVillage copy in ../shared/data, or skip"
    p = shared_data('plantvillage')
    if p is None: pytest.skip("real PlantVillage data is absent (../shared/data/plantvillage, or set FINALBN_DATA)")
    return p

@pytest.fixture(scope='session')
def mnist():
    "The real MNIST IDX files in ../shared/data, or skip"
    p = shared_data('mnist')
    if p is None: pytest.skip("real MNIST data is absent (../shared/data/mnist, or set FINALBN_DATA)")
    return p
