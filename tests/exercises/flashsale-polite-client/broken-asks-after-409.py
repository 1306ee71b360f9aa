# Broken on purpose: treats 409 like 429 and asks again.
# expect: FAIL stops at the 409 without asking again | asking again only adds load
"""Reference solution. Buys one item from the flash-sale shop, politely.

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
    backoff = 0.5
    for _ in range(5):
        status, headers, body = ask()
        if status == 201:
            print(f"ordered {body['order']}")
            return 0
        if status == 409:
            print("sold out")
            time.sleep(0.2)
            continue
        if status != 429:
            print(f"refused: {status} {body}")
            return 1
        advice = headers.get("Retry-After")
        if advice is not None:
            time.sleep(float(advice))
        else:
            time.sleep(backoff)
            backoff *= 2
    print("gave up: the shop stayed busy")
    return 1


if __name__ == "__main__":
    sys.exit(main())
