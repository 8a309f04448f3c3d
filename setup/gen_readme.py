"""Build each addon's README.rst from its readme/*.md fragments.

The fragments are written in the subset of Markdown that is also valid reStructuredText
(paragraphs, numbered lists, *emphasis*), so they are copied as they are under a title.
``--check`` fails when a README.rst is not up to date (used by tests/run.sh).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    ("DESCRIPTION", "Description"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
)


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    title = manifest["name"]
    parts = ["=" * len(title), title, "=" * len(title), "", manifest["summary"], ""]
    parts += [f"Licence: {manifest['license']}. Odoo version: 18.0.", ""]
    for fragment, heading in SECTIONS:
        path = addon / "readme" / f"{fragment}.md"
        if path.exists():
            parts += [heading, "=" * len(heading), "", path.read_text().strip(), ""]
    return "\n".join(parts)


def main(argv):
    check = "--check" in argv
    stale = []
    for name in (arg for arg in argv if arg != "--check"):
        addon = ROOT / name
        text = render(addon)
        readme = addon / "README.rst"
        if check:
            if not readme.exists() or readme.read_text() != text:
                stale.append(str(readme))
        else:
            readme.write_text(text)
    for path in stale:
        sys.stderr.write(
            f"{path} is out of date: run python setup/gen_readme.py <addon>\n"
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
