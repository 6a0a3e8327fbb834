"""Sending bytes to a network receipt printer (raw TCP, port 9100) with python-escpos.

For the ESC/POS kinds the job ends with a real-time status request (DLE EOT 1, "transmit
printer status", answered by Epson printers and by Star printers in ESC/POS emulation with
one byte): a job counts as printed only once the printer has answered after reading every
byte before it. A printer that is off, unplugged, or that drops the connection mid-job
raises `PrinterUnavailable`, and the outbox retries the job. Star Line Mode has no such
request on this port: its job counts as printed once the bytes are handed to TCP.
"""

from __future__ import annotations

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network

STATUS_REQUEST = b"\x10\x04\x01"  # DLE EOT 1
# A printer that is unplugged answers nothing: give up connecting quickly, so a dead printer
# holds the outbox worker a few seconds per job; once connected, allow it time to print.
CONNECT_TIMEOUT_SECONDS = 3.0
TIMEOUT_SECONDS = 10.0


class PrinterUnavailable(Exception):
    pass


def send_to_printer(
    *, host: str, port: int, data: bytes, confirm: bool, timeout: float = TIMEOUT_SECONDS
) -> None:
    printer = Network(host, port=port, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        printer.open()
    except DeviceNotFoundError as exc:
        raise PrinterUnavailable(f"no printer answers at {host}:{port}") from exc
    try:
        printer.device.settimeout(timeout)
        printer._raw(data + (STATUS_REQUEST if confirm else b""))
        if confirm and not printer._read():
            raise PrinterUnavailable(f"the printer at {host}:{port} closed the connection")
    except (TimeoutError, OSError) as exc:
        raise PrinterUnavailable(f"the printer at {host}:{port} stopped answering: {exc}") from exc
    finally:
        printer.close()
