import pytest
from finalbn_fastai.core import shared_data

@pytest.fixture(scope='session')
def plantvillage():
    "The real PlantVillage copy in ../shared/data, or skip"
    p = shared_data('plantvillage')
    if p is None: pytest.skip("real PlantVillage data is absent (../shared/data/plantvillage, or set FINALBN_DATA)")
    return p
