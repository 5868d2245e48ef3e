"""Regenerate the gold series of the regression inputs (serial). Review the diff before committing."""

import shutil
import tempfile
from pathlib import Path

import battchem

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for path in sorted((HERE / "inputs").glob("*.yaml")):
        out = Path(tempfile.mkdtemp())
        result = battchem.run(path, out / path.stem, quiet=True)
        assert result.status == "completed", result.manifest.get("message")
        shutil.copy(out / path.stem / "series.csv", HERE / "gold" / f"{path.stem}.csv")
        print(f"{path.stem}: {len(result.series['step'])} rows")
        shutil.rmtree(out)
