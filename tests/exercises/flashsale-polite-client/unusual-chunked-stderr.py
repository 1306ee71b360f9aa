# Correct, in an unusual style: http.client with a chunked body (as Node's http.request sends), output on standard error.
# expect: PASS
import http.client, json, sys, time

def ask():
    conn = http.client.HTTPConnection("127.0.0.1", 25008, timeout=5)
    body = json.dumps({"user": 7, "product": 1}).encode()
    conn.request("POST", "/buy", body=iter([body[:5], body[5:]]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    answer = conn.getresponse()
    return answer.status, answer.getheader("Retry-After"), json.loads(answer.read())

backoff = 0.5
for _ in range(5):
    status, advice, body = ask()
    if status == 201:
        print(f"ordered {body['order']}", file=sys.stderr)
        sys.exit(0)
    if status == 409:
        print("sold out", file=sys.stderr)
        sys.exit(0)
    if advice is not None:
        time.sleep(float(advice))
    else:
        time.sleep(backoff)
        backoff *= 2
print("gave up", file=sys.stderr)
sys.exit(1)
