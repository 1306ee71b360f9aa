"""Broken on purpose: it says it wrote tool-fixed.phar, but unpacks into a folder and never packs.
expect: FAIL writes tool-fixed.phar | ended without writing tool-fixed.phar
"""

import os
import subprocess

WORKBENCH = os.environ.get("WORKBENCH", "workbench")

subprocess.run([WORKBENCH, "archive", "unpack", "tool.phar", "-C", "tool"], check=True)
os.remove(os.path.join("tool", "build.php"))
print("wrote tool-fixed.phar")
