#!/usr/bin/env python3
"""Prints each failed or erroneous test found in the surefire reports under a directory: its class,
method, time and the first lines of its message (which for the product tests ends with the agents'
logs). Used by .ci/run after a failed build."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

root = sys.argv[1] if len(sys.argv) > 1 else "."
found = 0
# a recursive glob follows symlinks, and tests leave symlinks to directories under target/: one report
# can be found under many names, so each is read once, by its real path
reports = sorted({os.path.realpath(p) for p in glob.glob(os.path.join(root, "**/target/surefire-reports/TEST-*.xml"),
                                                          recursive=True)})
for report in reports:
    try:
        suite = ET.parse(report).getroot()
    except ET.ParseError as e:
        print(f"ci: unreadable report {report}: {e}")
        continue
    for case in suite.iter("testcase"):
        for kind in ("failure", "error"):
            for problem in case.findall(kind):
                found += 1
                message = (problem.get("message") or problem.text or "").strip()
                lines = message.splitlines()
                head = "\n    ".join(line[:300] for line in lines[:12])
                more = f"\n    ... ({len(lines) - 12} more lines in {report})" if len(lines) > 12 else ""
                print(f"ci: FAILED {case.get('classname')}#{case.get('name')} after {case.get('time')} s ({kind}):"
                      f"\n    {head}{more}")
print(f"ci: {found} failed test(s) in the surefire reports")
