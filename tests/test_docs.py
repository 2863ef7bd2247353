"""The offline documentation site: built from the notebooks without network, a page per notebook, every internal link and
image resolving, no error output, no traceback, nothing loaded from a CDN."""
import importlib.util, json, re
from pathlib import Path
from urllib.parse import unquote
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('docs', ROOT/'tools'/'docs.py')
docs = importlib.util.module_from_spec(spec); spec.loader.exec_module(docs)

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')/'_docs'
    pages = docs.build(out)
    return out, pages

def _html(p): return p.read_text()

def test_a_page_per_notebook(site):
    out,pages = site
    nbs = sorted((ROOT/'nbs').rglob('*.ipynb'))
    assert nbs
    for nb in nbs: assert (out/docs.page_name(nb)).is_file(), nb.name
    assert (out/'index.html').is_file() and pages[0].name == 'index.html'
    idx = _html(out/'index.html')
    for nb in nbs: assert f'href="{docs.page_name(nb)}"' in idx, nb.name          # the index's navigation reaches every page
    assert 'finalbn_fastai' in idx and 'bn_head' in idx                            # the README's content

def test_links_and_images_resolve(site):
    out,pages = site
    ids = {p.name: set(re.findall(r'\bid="([^"]+)"', _html(p))) for p in pages}
    for p in pages:
        for attr,url in re.findall(r'\b(href|src)="([^"]*)"', _html(p)):
            if re.match(r'(https?:|mailto:|data:)', url): continue
            path,_,anchor = url.partition('#')
            target = out/unquote(path) if path else p
            assert target.exists(), f"{p.name}: {attr}={url!r} does not resolve"
            if anchor and target.suffix == '.html': assert unquote(anchor) in ids[target.name], f"{p.name}: no #{anchor} in {target.name}"
    imgs = sum(len(re.findall(r'<img ', _html(p))) for p in pages)
    assert imgs >= 10                                                            # the figures are in the pages

def test_no_errors_no_tracebacks_no_cdn(site):
    out,pages = site
    for p in pages:
        h = _html(p)
        assert 'Traceback (most recent call last)' not in h, p.name
        assert '{target=' not in h, p.name                                       # Pandoc attributes applied, not shown
        assert 'application/vnd.jupyter.error' not in h and 'jp-OutputArea-output jp-error' not in h, p.name
        assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', h), f"{p.name} loads something from the network"
        assert '\r' not in h and not re.search(r'\| 0\.00% \[0/', h), f"{p.name} shows a progress bar's every state"   # a terminal's view
    for nb in (ROOT/'nbs').rglob('*.ipynb'):                                      # and no notebook carries an error output
        cells = json.loads(nb.read_text())['cells']
        assert not any(o.get('output_type') == 'error' for c in cells for o in c.get('outputs', [])), nb.name

def test_api_and_directives(site):
    out,_ = site
    cal = _html(out/'evaluation.html')
    assert 'id="ece"' in cal and 'Expected calibration error of the softmax outputs' in cal   # show_doc of an exported function
    assert 'def ece(' not in cal                                                  # exported source is left to show_doc, as nbdev does
    assert '#|' not in cal and 'nbdev_export' not in cal                          # directives and hidden cells are gone
    assert '<h1' in cal and 'href="looking_inside.html"' in cal                   # title and navigation
