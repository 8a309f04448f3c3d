"""Fail when an XML file of the given folders is not well-formed."""

import sys
from pathlib import Path

from lxml import etree


def main(folders):
    bad = 0
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.xml")):
            try:
                etree.parse(str(path))
            except etree.XMLSyntaxError as error:
                sys.stderr.write(f"{path}: {error}\n")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
