"""Buys one item from the flash-sale shop, politely.

    python3 buy.py
"""

import json
import sys
import time
import urllib.error
import urllib.request

SHOP = "http://127.0.0.1:25008/buy"


def ask():
    """One POST /buy; returns (status, headers, body as a dict)."""
    request = urllib.request.Request(
        SHOP,
        data=json.dumps({"user": 7, "product": 1}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.headers, json.load(answer)
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, json.load(answer)


def main():
    status, headers, body = ask()
    # TODO: 201 → print "ordered <id>"; 409 → print "sold out", stop;
    # 429 → wait (Retry-After, or a growing backoff) and try again, five tries at most.
    print(status, body)


if __name__ == "__main__":
    sys.exit(main())
