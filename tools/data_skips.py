"""Which notebooks `make test` must skip because the real data they need is absent: each such notebook says so in its
first code cells, with a comment `# requires-data: plantvillage` (or `mnist`, or both). Prints one line per skipped
notebook on stderr and, on stdout, the `--skip-file-re` for nbdev-test.
Run: .venv/bin/python tools/data_skips.py"""
import json, re, sys
from pathlib import Path
from finalbn_fastai.core import shared_data

def required(nb:Path) -> set[str]:
    "The data sets a notebook declares it needs"
    cells = [c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code'][:3]
    return {d.strip() for c in cells for m in re.finditer(r'#\s*requires-data:\s*([a-z, ]+)', ''.join(c['source'])) for d in m.group(1).split(',') if d.strip()}

def skips(nbs_path:Path) -> list[tuple[Path, set[str]]]:
    "The notebooks under `nbs_path` that need data this machine lacks, with what they lack"
    res = []
    for nb in sorted(nbs_path.rglob('*.ipynb')):
        missing = {d for d in required(nb) if shared_data(d) is None}
        if missing: res.append((nb, missing))
    return res

if __name__ == '__main__':
    root = Path(__file__).resolve().parents[1]
    sk = skips(root/'nbs')
    for nb,missing in sk: print(f"SKIPPED {nb.relative_to(root)}: the real {' and '.join(sorted(missing))} copy is absent (../shared/data, or set FINALBN_DATA)", file=sys.stderr)
    print('^([_.]' + ''.join(f'|{re.escape(nb.name)}$' for nb,_ in sk) + ')')
