#!/usr/bin/python3
"""A complete earshot bus subscriber, written from docs/protocol.md alone.

Needs only Debian's python3-zmq. Prints one line per event:

    final mic #415 [7] the quick brown fox jumps

Usage:
    subscriber.py [--endpoint ENDPOINT] [--topic PREFIX ...] [--source LABEL]
                  [--curve-server-key FILE_OR_KEY] [--count N] [--timeout S]
"""

import argparse
import json
import os
import sys

import zmq

SCHEMA = 1


def default_endpoint():
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime_dir:
        sys.exit("XDG_RUNTIME_DIR is not set: give --endpoint")
    return "ipc://" + os.path.join(runtime_dir, "earshot", "bus")


def load_key(key_or_path):
    if len(key_or_path) == 40 and not os.path.exists(key_or_path):
        return key_or_path.encode()
    with open(key_or_path) as f:
        return f.read().strip().encode()


def describe(event):
    kind = event["kind"]
    if kind == "status":
        status = event["status"]
        sources = ", ".join(s["source"] + " " + s["state"] for s in status["sources"])
        return "status daemon #%d model=%s rtf=%.2f subscribers=%d sources: %s" % (
            event["sequence"], status["model"], status["real_time_factor"],
            status["subscribers"], sources or "none")
    text = event["stable_text"]
    if event["unstable_text"]:
        text += "|" + event["unstable_text"]  # '|' marks where the unstable tail starts
    label = event["source"]
    if kind == "translation":
        label += "->" + event["target_language"]
    return "%s %s #%d [%d] %s" % (kind, label, event["sequence"], event["segment"], text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=None)
    parser.add_argument("--topic", action="append", default=None,
                        help="subscription prefix, repeatable (default: everything)")
    parser.add_argument("--source", default=None, help="only this exact source label")
    parser.add_argument("--curve-server-key", default=None,
                        help="the bus's public key, or a file holding it; a key that starts "
                             "with '-' must be given as --curve-server-key=KEY")
    parser.add_argument("--count", type=int, default=0, help="exit after N events")
    parser.add_argument("--timeout", type=float, default=0,
                        help="exit with status 2 after S seconds without a message")
    args = parser.parse_args()

    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    if args.curve_server_key:
        public, secret = zmq.curve_keypair()
        sub.curve_serverkey = load_key(args.curve_server_key)
        sub.curve_publickey = public
        sub.curve_secretkey = secret
    for prefix in args.topic or [""]:
        sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
    sub.connect(args.endpoint or default_endpoint())

    last_sequence = {}
    n_events = 0
    while args.count == 0 or n_events < args.count:
        if args.timeout and not sub.poll(int(args.timeout * 1000)):
            print("no message for %g s" % args.timeout, file=sys.stderr)
            return 2
        frames = sub.recv_multipart()
        if len(frames) != 2:
            continue  # not an earshot message
        topic, payload = frames[0].decode(), frames[1]
        try:
            event = json.loads(payload)
        except ValueError as e:
            print("unreadable payload on %s: %s" % (topic, e), file=sys.stderr)
            continue
        if event.get("schema") != SCHEMA:
            print("skipping schema %r on %s" % (event.get("schema"), topic), file=sys.stderr)
            continue
        if args.source and event["source"] != args.source:
            continue  # prefixes also match longer labels ("mic" matches "mic2")
        source, sequence = event["source"], event["sequence"]
        previous = last_sequence.get(source)
        if previous is not None and sequence > previous + 1:
            print("(%s: %d messages lost)" % (source, sequence - previous - 1))
        last_sequence[source] = sequence
        print(describe(event), flush=True)
        n_events += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
