import os, tempfile
import pytest

# The tests get a feature cache of their own (inherited by the processes they start): what a user's earlier runs left in
# ~/.cache/finalbn_fastai can neither help nor break them.
os.environ['FINALBN_CACHE'] = tempfile.mkdtemp(prefix='finalbn_test_cache_')

from finalbn_fastai.core import shared_data

def _real(name:str, what:str):
    "The real data set `name` in ../shared/data (or $FINALBN_DATA), or skip the test that needs it"
    p = shared_data(name)
    if p is None: pytest.skip(f"real {what} data is absent (../shared/data/{name}, or set FINALBN_DATA)")
    return p

@pytest.fixture(scope='session')
def plantvillage():
    "The real PlantVillage copy in ../shared/data, or skip"
    return _real('plantvillage', 'PlantVillage')

@pytest.fixture(scope='session')
def mnist():
    "The real MNIST IDX files in ../shared/data, or skip"
    return _real('mnist', 'MNIST')
