"""A real SMTP server for convene's mail tests (aiosmtpd): accepts every message and
writes it — envelope recipients, decoded subject, plain-text and HTML bodies — as one JSON
file per message into a directory.

    python smtp_sink.py PORT OUTDIR [--reject-transient ADDR] [--reject-permanent ADDR]

Prints "ready" when it listens; stops when its standard input closes. A recipient named
by --reject-transient gets 451 (try again later), by --reject-permanent 550 (no such user); --delay-rcpt SECONDS slows every recipient down
(to stop a sender in the middle of a conversation).
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir, transient, permanent, delay):
        self.delay = delay
        self.outdir = outdir
        self.transient = set(transient or [])
        self.permanent = set(permanent or [])
        self.lock = threading.Lock()
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        if address in self.permanent:
            return "550 5.1.1 no such user here"
        if address in self.transient:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "to": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]),
            "text": plain.get_content() if plain else "",
            "html": html.get_content() if html else "",
        }
        path = os.path.join(self.outdir, f"{n:05d}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)
        return "250 OK queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("outdir")
    p.add_argument("--reject-transient", action="append")
    p.add_argument("--reject-permanent", action="append")
    p.add_argument("--delay-rcpt", type=float, default=0.0)
    a = p.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    controller = Controller(Sink(a.outdir, a.reject_transient, a.reject_permanent, a.delay_rcpt), hostname="127.0.0.1", port=a.port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
