"""Reference solution. Writes app.phar byte by byte, as the Phar format describes it (see the archives lesson).

    python3 build.py

A phar is: stub | manifest | file contents | signature. Numbers are little-endian:
struct.pack("<I", n) gives the 4 bytes of n.
"""

import hashlib
import os
import struct
import zlib

ALIAS = "app.phar"
STUB = "<?php\nPhar::mapPhar('app.phar');\nrequire 'phar://app.phar/index.php';\n__HALT_COMPILER(); ?>\r\n"


def files_to_pack(folder):
    """Every file under folder as (name relative to folder, contents), except build.php."""
    found = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            if relative == "build.php":
                continue
            with open(path, "rb") as handle:
                found.append((relative, handle.read()))
    return found


def manifest(files):
    """The manifest: count, API version, flags, alias, metadata, then one record per file."""
    body = struct.pack("<I", len(files))
    body += bytes([0x11, 0x10])          # API version 1.1.1, big-endian nibbles
    body += struct.pack("<I", 0x10000)   # flags: the archive is signed
    body += struct.pack("<I", len(ALIAS)) + ALIAS.encode()
    body += struct.pack("<I", 0)         # no metadata
    for name, contents in files:
        encoded = name.encode()
        body += struct.pack("<I", len(encoded)) + encoded
        body += struct.pack("<IIIIII", len(contents), 0, len(contents), zlib.crc32(contents), 0o644, 0)
    return struct.pack("<I", len(body)) + body


def main():
    files = files_to_pack("app")
    data = STUB.encode() + manifest(files)
    for _, contents in files:
        data += contents
    data += hashlib.sha256(data).digest() + struct.pack("<I", 3) + b"GBMB"
    with open("app.phar", "wb") as handle:
        handle.write(data)
    print("wrote app.phar")


if __name__ == "__main__":
    main()
