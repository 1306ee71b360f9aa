# Broken on purpose: never opens a ZeroMQ socket; it prints what a working client would.
# expect: FAIL talks to the server | received 0 request
for n in range(1, 11):
    print(f"From Server1:request {n}", flush=True)
