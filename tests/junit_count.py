"""Print ``<suite>: N passed, M failed`` from a pytest JUnit XML report."""

import sys

from lxml import etree


def main(path, suite):
    root = etree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    line = f"{suite}: {total - failed - skipped} passed, {failed} failed"
    sys.stdout.write(line + (f", {skipped} skipped" if skipped else "") + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
