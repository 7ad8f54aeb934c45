"""A real SMTP server for the tests, with faults injected on demand.

    python3 smtp_faults.py PORT MAILDIR FAULTS

Accepted messages go to the Maildir MAILDIR (as aiosmtpd's Mailbox handler does). Before
answering each message's DATA, the server reads the first line of the file FAULTS and
removes it (a line ending in `*` stays: every message gets that fault), then:

    ok     accept the message (also when FAULTS is missing or empty)
    421    answer 421 (service not available: transient)
    451    answer 451 (local error: transient)
    550    answer 550 (mailbox unavailable: permanent)
    drop   close the connection without answering (dropped mid-DATA: transient)
    stall  never answer (an hour): the client stays in its DATA phase; the message is
           never stored (a server killed meanwhile has sent nothing)

Each DATA received appends its fault to MAILDIR/../attempts, one line per attempt, so a
test can count what reached the server.
"""
import asyncio
import mailbox
import os
import sys

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, maildir, faults):
        self.box = mailbox.Maildir(maildir, create=True)
        self.faults = faults
        self.attempts = os.path.join(os.path.dirname(maildir), "attempts")

    def next_fault(self):
        try:
            with open(self.faults) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return "ok"
        if not lines:
            return "ok"
        first = lines[0].strip()
        if first.endswith("*"):
            return first[:-1]
        with open(self.faults, "w") as f:
            f.write("".join(line + "\n" for line in lines[1:]))
        return first or "ok"

    async def handle_DATA(self, server, session, envelope):
        fault = self.next_fault()
        with open(self.attempts, "a") as f:
            f.write(fault + "\n")
        if fault == "421":
            return "421 4.3.2 Service temporairement indisponible"
        if fault == "451":
            return "451 4.3.0 Erreur locale, reessayez"
        if fault == "550":
            return "550 5.1.1 Boite aux lettres inconnue"
        if fault == "stall":
            await asyncio.sleep(3600)
            return "451 4.3.0 Trop lent"
        if fault == "drop":
            server.transport.abort()
            return "250 jamais lu"
        self.box.add(envelope.original_content or envelope.content)
        return "250 2.0.0 OK"


async def main():
    port, maildir, faults = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    handler = Handler(maildir, faults)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="smtp.test"), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
