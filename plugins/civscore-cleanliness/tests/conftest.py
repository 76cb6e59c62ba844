"""Run the tests from a source checkout too: without ``pip install``, the
package is imported from ``src/`` and loaded with ``plugins=[PLUGIN]``."""
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("civscore_cleanliness") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

# -p civscore_cleanliness: a no-op when the installed entry point loaded it already
PLUGIN = "civscore_cleanliness"
