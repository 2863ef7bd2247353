"The paper's tables in the package's data (finalbn_fastai/paper_data) are typed in by hand: check them against the sums the thesis itself states."
import numpy as np, pandas as pd
from finalbn_fastai.paper import PAPER_DIR

def read(n): return pd.read_csv(PAPER_DIR/f'table_{n}.csv')

def test_table_4_2_improvement_is_bn_minus_wl():
    t = read('4_2')
    assert len(t) == 6 and set(t.plant) == {'Apple','Pepper','Tomato'}
    np.testing.assert_allclose(t.with_final_bn_no_wl - t.with_wl_no_bn, t.bn_total_improvement, atol=1e-4)
    assert t.loc[(t.plant=='Apple') & (t['class']=='unhealthy'), 'without_final_bn'].item() == 0.2942  # quoted in the text

def test_table_4_3_f1_is_harmonic_mean():
    t = read('4_3')
    np.testing.assert_allclose(2*t.precision*t.recall/(t.precision+t.recall), t.f1, atol=1e-3)

def test_table_4_4_average_is_mean_of_plants():
    t = read('4_4')
    np.testing.assert_allclose(t[['Apple','Pepper','Tomato']].mean(axis=1), t.average, atol=2e-4)
    assert t[t['rank']=='best'].BN.all() and not t[t['rank']=='worst'].BN.any()

def test_tables_shapes():
    assert read('4_5').shape == (5, 3) and (read('4_5').with_final_bn > 0.5).all() and (read('4_5').without_final_bn < 0.5).all()
    assert read('4_6').shape == (6, 5)
    t7 = read('4_7')
    assert t7.groupby('setting').size().tolist() == [2, 2, 2, 3, 3]
    t8 = read('4_8')
    assert len(t8) == 9 and set(t8.activation) == {'sigmoid','softmax'} and set(t8.loss) == {'BCE','CCE'}
