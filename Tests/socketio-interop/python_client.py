"""python-socketio 5.x against the real-time channel, driven by Tests/OptServeTests.

The Swift test starts the channel, creates sessions and then runs this script. They talk over
stdin/stdout: the script prints a line naming the step it reached ("READY", "DROP", ...) and
waits for the driver's "GO" before going on, so every event the driver records is expected.
Any failure raises; the exit status tells the driver.

    python_client.py URL TOKEN BAD_TOKEN SESSION_ID SECOND_SESSION_ID MODE   (MODE: default | websocket)
"""
import sys
import threading

import socketio

url, token, bad_token, session_id, second_session_id, mode = sys.argv[1:7]
transports = ["websocket"] if mode == "websocket" else ["polling", "websocket"]
TIMEOUT = 10


def step(name):
    print(name, flush=True)
    line = sys.stdin.readline().strip()
    if line != "GO":
        raise SystemExit(f"driver said {line!r} after {name}")


def expect_refused(auth, fragment):
    client = socketio.Client(reconnection=False)
    refusals = []
    client.on("connect_error", lambda data: refusals.append(data))
    try:
        client.connect(url, auth=auth, transports=transports, wait_timeout=TIMEOUT)
    except socketio.exceptions.ConnectionError:
        # The reason comes with the connect_error event: {"message": ..., "data": {"code": ...}}.
        assert len(refusals) == 1, refusals
        refusal = refusals[0]
        assert fragment in refusal["message"], refusal
        assert refusal["data"] == {"code": "unauthorized"}, refusal
        return
    finally:
        client.disconnect()
    raise AssertionError(f"connect with {auth!r} was accepted")


expect_refused(None, "authentication required")
expect_refused({"token": bad_token}, "invalid token")

received = []
arrived = threading.Condition()
snapshots = []

client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5)


def record(name):
    def handler(data):
        with arrived:
            received.append((name, data))
            arrived.notify_all()
    return handler


for name in ["session_started", "session_progress", "session_completed", "session_failed", "session_cancelled"]:
    client.on(name, record(name))


@client.on("connect")
def on_connect():
    # State synchronisation after every (re)connect: subscribe again, keep the snapshot.
    def resubscribe():
        reply = client.call("subscribe", {"session_id": session_id}, timeout=TIMEOUT)
        with arrived:
            snapshots.append(reply)
            arrived.notify_all()
    client.start_background_task(resubscribe)


def wait_for(predicate, what):
    with arrived:
        if not arrived.wait_for(predicate, timeout=TIMEOUT):
            raise AssertionError(f"timed out waiting for {what}; received {received!r}, snapshots {snapshots!r}")


client.connect(url, auth={"token": token}, transports=transports, wait_timeout=TIMEOUT)
wait_for(lambda: len(snapshots) == 1, "the first subscribe ack")
first = snapshots[0]
assert first["ok"] is True, first
assert first["session"]["session_id"] == session_id, first
assert first["session"]["status"] == "pending", first

if mode == "default":
    # The default mode starts on long-polling and upgrades.
    wait_for(lambda: client.transport() == "websocket", "the upgrade to websocket")

# An ack on an unknown session carries the error, the connection stays.
missing = client.call("subscribe", {"session_id": "no-such-session"}, timeout=TIMEOUT)
assert missing == {"ok": False, "error": "not_found", "message": "no session with id 'no-such-session'"}, missing

step("READY")  # the driver starts, advances and completes the session
wait_for(lambda: len(received) >= 3, "three session events")
names = [name for name, _ in received]
assert names == ["session_started", "session_progress", "session_completed"], names
started, progress, completed = (data for _, data in received)
assert started["session_id"] == session_id and started["model_name"] == "policy.onnx", started
assert set(started) == {"session_id", "model_id", "model_name", "techniques", "timestamp"}, started
assert progress["progress_percentage"] == 50 and progress["current_step"] == "benchmark", progress
assert set(progress) == {"session_id", "progress_percentage", "current_step", "estimated_completion", "timestamp"}, progress
assert completed["results"]["size_reduction_percent"] == 70, completed
assert completed["timestamp"].endswith("Z"), completed

step("DROP")  # the driver closes every connection; the client reconnects by itself
wait_for(lambda: len(snapshots) == 2, "the subscribe ack after reconnecting")
again = snapshots[1]
assert again["ok"] is True and again["session"]["status"] == "completed", again

step("RECONNECTED")  # the driver starts another session of this user
wait_for(lambda: any(name == "session_started" and data["session_id"] == second_session_id for name, data in received),
         "the second session's start after reconnecting")

client.disconnect()
print("DONE", flush=True)
