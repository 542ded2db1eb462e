"""Ticket images: a 640x200 PNG like the original's TicketRenderingService."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

from relecloud.schemas import TicketPublic


def render_ticket(ticket: TicketPublic) -> bytes:
    image = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(image)
    big = ImageFont.load_default(size=22)
    small = ImageFont.load_default(size=14)
    draw.rectangle((0, 0, 639, 199), outline="#1f3b73", width=3)
    draw.text((20, 16), ticket.artist, fill="#1f3b73", font=big)
    when = ticket.start_time.strftime("%Y-%m-%d %H:%M UTC")
    draw.text((20, 52), f"{ticket.location} | {when}", fill="black", font=small)
    draw.text((20, 76), f"{ticket.customer_email} | ${ticket.price:.2f}", fill="black", font=small)
    draw.text((20, 100), f"Ticket {ticket.number}", fill="black", font=small)
    # A barcode derived from the ticket number (stable, unlike the original's random one).
    bits = hashlib.sha256(ticket.number.encode()).digest()
    x = 20
    for byte in bits:
        for shift in range(0, 8, 2):
            width = 1 + ((byte >> shift) & 3) // 2
            if (byte >> shift) & 1:
                draw.rectangle((x, 130, x + width - 1, 185), fill="black")
            x += width + 1
            if x > 620:
                break
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
