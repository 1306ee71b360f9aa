"""Reference solution. Repairs tool.phar into tool-fixed.phar with the workbench's archive tool.

    python3 fix.py

Look first: ./tool.phar, php tool.phar, workbench archive list tool.phar
"""

import os
import shutil
import subprocess
import tempfile

# The workbench binary: on the PATH, or named by the WORKBENCH variable.
WORKBENCH = os.environ.get("WORKBENCH", "workbench")


def archive(*args):
    subprocess.run([WORKBENCH, "archive", *args], check=True)


def main():
    scratch = tempfile.mkdtemp()
    try:
        unpacked = os.path.join(scratch, "tool")
        archive("unpack", "tool.phar", "-C", unpacked)
        os.remove(os.path.join(unpacked, "build.php"))
        archive("pack", unpacked, "-o", "tool-fixed.phar", "--shebang", "--alias", "tool.phar")
    finally:
        shutil.rmtree(scratch)
    print("wrote tool-fixed.phar")


if __name__ == "__main__":
    main()
