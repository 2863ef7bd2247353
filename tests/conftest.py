import pytest
from finalbn_fastai.core import shared_data

@pytest.fixture(scope='session')
def plantvillage():
    "The real PlantVillage copy in ../shared/data, or skip"
    p = shared_data('plantvillage')
    if p is None: pytest.skip("real PlantVillage data is absent (../shared/data/plantvillage, or set FINALBN_DATA)")
    return p

@pytest.fixture
def mnist():
    "The real MNIST IDX files in ../shared/data, or skip"
    p = shared_data('mnist')
    if p is None: pytest.skip("real MNIST data is absent (../shared/data/mnist, or set FINALBN_DATA)")
    return p
