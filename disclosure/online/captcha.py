"""A captcha drawn here, with no outside service and no script: a small sum drawn as a PNG
with Pillow's bundled font, noise lines and jitter. The answer lives in the visitor's session
and is used once: every check (right or wrong) forgets it, so a bot must fetch and read a new
image for every post, and a post without a session is refused."""

from __future__ import annotations

import io
import secrets
import time

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

SESSION_KEY = "online_captcha"
WIDTH, HEIGHT = 180, 60


def new_challenge(session) -> str:
    """A new sum for this session; returns its text (drawn by ``render``)."""
    a, b = secrets.randbelow(40) + 10, secrets.randbelow(9) + 1
    text = f"{a} + {b} = ?"
    session[SESSION_KEY] = {"text": text, "answer": str(a + b), "at": int(time.time())}
    return text


def render(text: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (246, 246, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        draw.line(
            [(secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)) for _ in range(2)],
            fill=(150 + secrets.randbelow(80), 150 + secrets.randbelow(80), 160),
            width=2,
        )
    font = ImageFont.load_default(size=30)
    x = 10
    for char in text:
        y = 10 + secrets.randbelow(10)
        draw.text((x, y), char, font=font, fill=(30 + secrets.randbelow(60), 40, 90))
        x += 14 if char == " " else 20
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def image_for(session) -> bytes:
    """The PNG of the session's current sum (a new one if there is none or it expired)."""
    challenge = session.get(SESSION_KEY)
    if not challenge or _expired(challenge):
        new_challenge(session)
        challenge = session[SESSION_KEY]
    return render(challenge["text"])


def _expired(challenge) -> bool:
    return time.time() - challenge.get("at", 0) > settings.ONLINE_CAPTCHA_MINUTES * 60


def check(session, answer: str) -> bool:
    """Whether ``answer`` solves the session's sum; the sum is forgotten either way."""
    challenge = session.pop(SESSION_KEY, None)
    if not challenge or _expired(challenge):
        return False
    return secrets.compare_digest(str(answer).strip(), challenge["answer"])
