"""The seed's Python example, run against a deployed NATS (through `kubectl port-forward`).

    NATS_URL=nats://127.0.0.1:14222 python seed_example.py
Optional: NATS_CA (CA file for tls:// URLs), NATS_USER / NATS_PASSWORD.
Prints one PASS/FAIL line per step; exits non-zero on any failure.
"""
import asyncio
import json
import os
import ssl
import sys
import uuid

import nats


async def main() -> int:
    url = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
    opts = {"servers": [url], "connect_timeout": 5, "max_reconnect_attempts": 3, "reconnect_time_wait": 1}
    if os.environ.get("NATS_CA"):
        opts["tls"] = ssl.create_default_context(cafile=os.environ["NATS_CA"])
        opts["tls_hostname"] = os.environ.get("NATS_TLS_HOSTNAME", "localhost")
    if os.environ.get("NATS_USER"):
        opts["user"] = os.environ["NATS_USER"]
        opts["password"] = os.environ.get("NATS_PASSWORD", "")
    failed = 0

    def result(ok: bool, what: str) -> None:
        nonlocal failed
        print(("PASS  " if ok else "FAIL  ") + "python: " + what, flush=True)
        failed += 0 if ok else 1

    # The seed's lines: connect, publish, JetStream publish ...
    nc = await nats.connect(**opts)
    result(nc.is_connected, f"nats.connect({url!r}) (server {nc.connected_server_version})")
    # no_advertise: the client must know only the URL it was given, never pod addresses.
    result(len(nc.servers) == 1, f"client knows only the given URL (no_advertise): {[getattr(s, 'uri', s).geturl() for s in nc.servers]}")

    run = uuid.uuid4().hex[:8]
    sub = await nc.subscribe("test")
    await nc.publish("test", b"Hello World " + run.encode())
    msg = await sub.next_msg(timeout=5)
    result(msg.data == b"Hello World " + run.encode(), f"subscribe 'test' received {msg.data!r}")
    await sub.unsubscribe()

    js = nc.jetstream()
    payload = json.dumps({"user": "alice", "run": run}).encode()
    ack = await js.publish("events.user.login", payload)
    result(ack.stream == "MY_STREAM" and ack.seq > 0, f"js.publish('events.user.login') -> stream {ack.stream} seq {ack.seq}")

    # ... and subscribe: an ordered push consumer on the stream finds the message just published.
    jsub = await js.subscribe("events.user.login", ordered_consumer=True)
    found = False
    try:
        while not found:
            m = await jsub.next_msg(timeout=10)
            found = m.data == payload
    except nats.errors.TimeoutError:
        pass
    result(found, "js.subscribe('events.user.login') received the JetStream message")
    await jsub.unsubscribe()
    await nc.close()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(asyncio.wait_for(main(), 60)))
    except Exception as e:  # connection refused, timeouts, auth errors: one FAIL line, not a traceback
        print(f"FAIL  python: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
