"""The README's result table, the study's verdict, drawn from the committed results files in nbs/results: the README
holds exactly what this prints, and tests/test_package.py checks that it does. After new runs are committed, paste the
new table in. The detailed results are in the chapter notebooks, each beside its runs.
Run: .venv/bin/python tools/readme_tables.py"""
from pathlib import Path
from finalbn_fastai.effect import verdicts

RESULTS = Path(__file__).resolve().parents[1]/'nbs'/'results'

def _md(header, rows) -> str:
    "A markdown table"
    return '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + ' --- |'*len(header)] + ['| ' + ' | '.join(map(str, r)) + ' |' for r in rows])

def verdict_table() -> str:
    "The study's verdict: each table and figure of the chapter, the paper's numbers, ours under the stated protocol, the verdict and the chapter notebook (effect.verdicts)"
    v = verdicts(RESULTS, RESULTS.parent/'figures')
    return _md(['', "the chapter's claim", 'paper', 'ours', 'verdict', 'chapter'],
               [[r.item, r.claim, r.paper, r.ours, f'**{r.verdict}**', f'[{r.chapter}](nbs/{r.chapter}.ipynb)'] for r in v.itertuples()])

TABLES = {'verdict': verdict_table}

if __name__ == '__main__':
    for k,f in TABLES.items(): print(f'{k}: {f.__doc__}\n\n{f()}\n')
