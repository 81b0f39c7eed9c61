"""A python-socketio 5.x dashboard stand-in for the end-to-end tests of `optctl serve`.

Connects to a real server in python-socketio's default mode (long-polling, then the upgrade to
WebSocket) and reports, one JSON object per line on stdout, everything it sees, so the driver
(Tests/optctlTests) can check order and payloads:

    {"refused": {"message": ..., "data": ...}}   a connect with REFUSED_TOKEN was refused
                                                   (only when REFUSED_TOKEN is given)
    {"connected": true, "transport": "websocket"}
    {"event": NAME, "data": PAYLOAD}               every server event, in arrival order
    {"ack": ACK}                                   the answer to a subscribe
    {"disconnected": true}

Commands on stdin, one per line: `SUBSCRIBE SESSION_ID`, `QUIT`. End of input also quits.
Like a dashboard, it also subscribes to every session whose session_started it receives, so
it gets that session's progress from then on.

    event_recorder.py URL TOKEN [REFUSED_TOKEN]
"""
import json
import sys
import threading
import time

import socketio

url, token = sys.argv[1:3]
refused_token = sys.argv[3] if len(sys.argv) > 3 else None
TIMEOUT = 10


# The main thread and python-socketio's receiving thread both report: one lock and one write
# per line, so two lines can never interleave (print writes the text and the newline apart).
report_lock = threading.Lock()


def report(value):
    with report_lock:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()


# The real server's token check refuses this one; the reason arrives with connect_error.
if refused_token is not None:
    refused = socketio.Client(reconnection=False)
    refusals = []
    refused.on("connect_error", lambda data: refusals.append(data))
    try:
        refused.connect(url, auth={"token": refused_token}, wait_timeout=TIMEOUT)
        raise SystemExit("a connect with the refused token was accepted")
    except socketio.exceptions.ConnectionError:
        pass
    finally:
        refused.disconnect()
    if len(refusals) != 1:
        raise SystemExit(f"expected one connect_error, got {refusals!r}")
    report({"refused": refusals[0]})

client = socketio.Client(reconnection=False)


@client.on("*")
def any_event(name, data):
    report({"event": name, "data": data})
    if name == "session_started":
        # In the receiving thread: emit with a callback, as call() would wait on this thread.
        client.emit("subscribe", {"session_id": data["session_id"]}, callback=lambda ack: report({"ack": ack}))


@client.event
def disconnect(*_):
    report({"disconnected": True})


client.connect(url, auth={"token": token}, wait_timeout=TIMEOUT)
# The client upgrades right after the handshake; give it a moment so the driver sees it done.
deadline = time.monotonic() + 5
while client.transport() != "websocket" and time.monotonic() < deadline:
    time.sleep(0.05)
report({"connected": True, "transport": client.transport()})

for line in sys.stdin:
    command = line.split()
    if not command:
        continue
    if command[0] == "SUBSCRIBE":
        report({"ack": client.call("subscribe", {"session_id": command[1]}, timeout=TIMEOUT)})
    elif command[0] == "QUIT":
        break
    else:
        raise SystemExit(f"unknown command {line!r}")

if client.connected:
    client.disconnect()
