"""Build the documentation site offline into `_docs/`: nbdev's own processing of the notebooks (directives, hidden and
exported cells, `show_doc`), then static HTML by nbconvert, with an index page from the README, a sidebar and previous/next
links on every page, figures inside the pages (PNG outputs are embedded; the README's figures are copied), and one local
stylesheet: no page loads anything from the network.

Where Quarto is installed, `nbdev-docs` builds nbdev's usual Quarto site from the same notebooks and `nbs/_quarto.yml`.
Run: .venv/bin/python tools/docs.py [--out _docs]"""
from __future__ import annotations
import argparse, html, json, re, shutil, sys
import yaml
from pathlib import Path
import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor, CoalesceStreamsPreprocessor
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from pygments.formatters import HtmlFormatter
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.serve import proc_nbs

CSS = """
body { margin: 0; font: 15px/1.55 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #222; }
nav { position: fixed; top: 0; left: 0; bottom: 0; width: 250px; overflow-y: auto; background: #f6f7f9; border-right: 1px solid #ddd; padding: 1em; box-sizing: border-box; font-size: 14px; }
nav a { display: block; padding: 3px 6px; color: #1a5490; text-decoration: none; border-radius: 4px; }
nav a.current { background: #1a5490; color: #fff; }
nav .site { font-weight: bold; font-size: 17px; margin-bottom: .7em; }
main { margin-left: 250px; padding: 1.5em 2.5em; max-width: 1000px; }
pre, code { font-family: Menlo, Consolas, monospace; font-size: 13px; }
.jp-InputArea pre, .input_area pre, div.highlight pre { background: #f5f5f5; padding: .6em; border-radius: 4px; overflow-x: auto; }
.output pre, .jp-OutputArea pre { background: #fff; border-left: 3px solid #ccc; padding: .4em .6em; overflow-x: auto; }
img { max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
blockquote { color: #555; border-left: 4px solid #ddd; margin-left: 0; padding-left: 1em; }
.anchor-link { visibility: hidden; margin-left: .3em; text-decoration: none; }
h1:hover .anchor-link, h2:hover .anchor-link, h3:hover .anchor-link, h4:hover .anchor-link { visibility: visible; }
.pager { display: flex; justify-content: space-between; margin-top: 3em; border-top: 1px solid #ddd; padding-top: 1em; }
"""

def page_name(nb:Path) -> str:
    "The page of a notebook: its name without the number prefix, as nbdev's doc links expect ('api/09_evaluation' -> 'evaluation.html')"
    return re.sub(r'^\d+[a-z]?_', '', nb.stem) + '.html'

def frontmatter(nb) -> dict:
    "The YAML front matter (title, description ...) that nbdev's processing puts in a raw cell at the top of a notebook"
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'):
            return yaml.safe_load(c.source.strip().strip('-')) or {}
    return {}

def _title(nb) -> str: return str(frontmatter(nb).get('title', ''))

def _directives(src:str) -> tuple[dict, str]:
    "Quarto-style `#| key: value` lines at the top of a cell, and the source without them"
    d,lines = {},src.splitlines()
    while lines and lines[0].startswith('#|'):
        k,_,v = lines.pop(0)[2:].partition(':'); d[k.strip()] = v.strip().lower()
    return d, '\n'.join(lines)

def apply_directives(nb):
    "What Quarto would do with the directives nbdev leaves in the processed notebooks: echo, output and include"
    fm,cells = frontmatter(nb),[]
    if fm.get('title'):                              # the title and summary line, as Quarto shows them
        head = f"# {fm['title']}\n\n" + (f"> {fm['description']}" if fm.get('description') else '')
        cells.append(nbformat.v4.new_markdown_cell(head))
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'): continue
        for k in set(c) - {'cell_type','execution_count','id','metadata','outputs','source','attachments'}: del c[k]   # nbdev's own marks
        c.metadata.pop('execution', None)
        if c.cell_type != 'code': cells.append(c); continue
        d,c.source = _directives(c.source)
        if d.get('include') == 'false': continue
        if d.get('output') == 'false': c.outputs = []
        if d.get('echo') == 'false': c.metadata.setdefault('tags', []).append('hide-input')
        cells.append(c)
    nb.cells = cells
    return nb

def _local_links(body:str) -> str:
    """Links that work from any folder: nbdev's site-absolute doc links ('/evaluation.html#ece') made relative, and its source links
    (to a repository on GitHub, which this project does not name) pointed at the copy of the sources inside the site"""
    body = re.sub(r'(href|src)="/(?!/)', r'\1="', body)
    body = re.sub(r'href="api/', 'href="', body)                                       # the library's pages sit beside the others
    body = re.sub(r'(<a [^>]*)>([^<]*)</a>\{([^}]*)\}', r'\1 \3>\2</a>', body)        # Pandoc's link attributes, as Quarto applies them
    body = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{m.group(1).lower()}"', body)          # Quarto's anchors are lower case,
    body = re.sub(r'href="([^"#:]*)#([^"]+)"', lambda m: f'href="{m.group(1)}#{m.group(2).lower()}"', body)   # and nbdev's links use them
    return re.sub(r'href="(?:[^"]*/)?blob/[^/"]+/([^"#]+)(?:#[^"]*)?"', r'href="src/\1"', body)

def _page(title, body, pages, current, site):
    cur = ' class="current"'
    nav = ''.join(f'<a href="{p}"{cur if p==current else ""}>{html.escape(t)}</a>' for p,t in pages)
    i = [p for p,_ in pages].index(current)
    prev = f'<a href="{pages[i-1][0]}">← {html.escape(pages[i-1][1])}</a>' if i > 0 else '<span></span>'
    nxt = f'<a href="{pages[i+1][0]}">{html.escape(pages[i+1][1])} →</a>' if i+1 < len(pages) else '<span></span>'
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(title)} – {html.escape(site)}</title><link rel="stylesheet" href="site.css"></head>\n'
            f'<body><nav><div class="site">{html.escape(site)}</div>{nav}</nav>\n<main>\n{body}\n<div class="pager">{prev}{nxt}</div>\n</main></body></html>\n')

def build(out='_docs') -> list[Path]:
    "Process the notebooks with nbdev and write the static site into `out`; return the pages written"
    cfg = get_config()
    root = cfg.config_path
    out = root/out
    refresh_quarto_yml()                             # nbs/nbdev.yml and nbs/_quarto.yml, as nbdev-docs would
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)     # nbs/sidebar.yml (skipped unless custom_sidebar)
    cache = proc_nbs(cfg.nbs_path, n_workers=0)      # nbdev's own processing (nbdev-proc-nbs without Quarto's installer)
    nbs = sorted(cache.rglob('*.ipynb'), key=lambda f: (f.parent != cache/'api', f.name))   # the library's chapters first, then the study's
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    books = {f: nbformat.reads(f.read_text(), as_version=4, capture_validation_error={}) for f in nbs}   # nbdev's marks are cleaned off below
    pages = [('index.html', 'Home')] + [(page_name(f), _title(b) or f.stem) for f,b in books.items()]
    ex = HTMLExporter(template_name='basic')
    ex.exclude_input_prompt = ex.exclude_output_prompt = True
    ex.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'hide-input'}, enabled=True), True)
    ex.register_preprocessor(CoalesceStreamsPreprocessor(enabled=True), True)   # streams as a terminal leaves them: a progress bar's last state
    written = []
    for f,nb in books.items():
        body,_ = ex.from_notebook_node(apply_directives(nb))
        fn = out/page_name(f)
        fn.write_text(_page(_title(nb) or f.stem, _local_links(body), pages, fn.name, cfg.lib_name))
        written.append(fn)
    readme = (root/'README.md').read_text().replace('](nbs/figures/', '](figures/')
    readme = re.sub(r'\]\(nbs/(?:api/)?([^)]+)\.ipynb\)', lambda m: f'](' + page_name(Path(m.group(1))) + ')', readme)   # a chapter's notebook: its page
    (out/'index.html').write_text(_page('Home', _local_links(markdown2html_mistune(readme)), pages, 'index.html', cfg.lib_name))
    written.insert(0, out/'index.html')
    if (cfg.nbs_path/'figures').is_dir(): shutil.copytree(cfg.nbs_path/'figures', out/'figures')
    shutil.copytree(root/cfg.lib_name, out/'src'/cfg.lib_name, ignore=shutil.ignore_patterns('__pycache__', '_modidx.py'))
    (out/'site.css').write_text(CSS + HtmlFormatter().get_style_defs('.highlight'))
    return written

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='_docs', help='output folder, relative to the project root (default: _docs)')
    a = p.parse_args()
    pages = build(a.out)
    print(f"{len(pages)} pages written to {pages[0].parent}")
