"""Encryption at rest of applicants' personal data, and the keyed hash that finds equal values
without decrypting them (docs/personal-data.md).

- ``EncryptedCharField``: a text field whose column holds a token, never the value. Tokens are
  AES-256-GCM (``cryptography``): authenticated, so a changed token fails to decrypt instead of
  giving garbage. A token reads ``pd1$<key id>$<base64url of nonce, ciphertext and tag>``; the
  key id (8 hex digits of the key's SHA-256) picks the key that decrypts it.
- Keys: ``settings.PERSONAL_DATA_KEYS``, newest first. The first encrypts, any of them decrypts,
  so an old key stays listed while ``personal_data_rotate`` re-encrypts every value with the new
  one. Losing every key that encrypted a value loses that value.
- ``BlindIndexField``: HMAC-SHA256 (key ``settings.PERSONAL_DATA_INDEX_KEY``) of another field's
  value, trimmed and upper-cased: equal ID numbers have equal hashes, so "the same applicant"
  is an equality lookup on the hash. Without the key a hash cannot be checked against guessed
  ID numbers.

Fernet (``cryptography.fernet``) would do the same with its own rotation, but costs ~30 µs per
value against ~4 µs here (AES-CBC, HMAC and a timestamp, in Python): seconds for every 100,000
requests imported or listed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import Exact
from django.dispatch import receiver

PREFIX = "pd1"
NONCE_BYTES = 12
KEY_BYTES = 32
INDEX_KEY_MIN_CHARS = 32


class DecryptionError(Exception):
    """A stored token that none of the configured keys decrypts."""


def generate_key() -> str:
    """A new key for ``PERSONAL_DATA_KEYS``: 32 random bytes, base64url."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def _key_bytes(key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            "PERSONAL_DATA_KEYS：每个密钥应为32个随机字节的 base64url 编码（44个字符，"
            "可用 `manage.py personal_data_rotate --generate` 生成）。"
        )
    return raw


def key_id(key: str) -> str:
    return hashlib.sha256(_key_bytes(key)).hexdigest()[:8]


class Keyring:
    """The configured keys: the first encrypts, each decrypts the tokens that name it."""

    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ImproperlyConfigured("PERSONAL_DATA_KEYS 为空：至少需要一个密钥。")
        self.ciphers = {key_id(k): AESGCM(_key_bytes(k)) for k in keys}
        if len(self.ciphers) != len(keys):
            raise ImproperlyConfigured("PERSONAL_DATA_KEYS 中有重复的密钥。")
        self.current = key_id(keys[0])
        self._head = f"{PREFIX}${self.current}$"
        self._cipher = self.ciphers[self.current]

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._cipher.encrypt(nonce, text.encode(), None)
        return self._head + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        prefix, _, rest = token.partition("$")
        kid, _, body = rest.partition("$")
        cipher = self.ciphers.get(kid)
        if prefix != PREFIX or cipher is None:
            raise DecryptionError(
                f"无法解密已加密的个人信息：加密它的密钥（{kid or '?'}）"
                "不在 PERSONAL_DATA_KEYS 中。"
            )
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError("无法解密已加密的个人信息：数据已损坏或被改动。") from None

    def is_current(self, token: str) -> bool:
        """Is the token encrypted with the newest key?"""
        return token.startswith(self._head)


_cache: dict[str, object] = {}


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting.startswith("PERSONAL_DATA_"):  # override_settings in tests
        _cache.clear()


def keyring() -> Keyring:
    """The keyring of the settings' keys, built once (every value encrypted asks for it)."""
    ring = _cache.get("keyring")
    if ring is None:
        ring = _cache["keyring"] = Keyring(tuple(settings.PERSONAL_DATA_KEYS))
    return ring


def encrypt(text: str) -> str:
    return keyring().encrypt(text)


def decrypt(token: str) -> str:
    return keyring().decrypt(token)


def normalise(value: str) -> str:
    """The form two values are compared in: no surrounding spaces, one case (a final "x" of
    an ID card number is the same as "X")."""
    return value.strip().upper()


def blind_index(value: str | None) -> str:
    """The keyed hash of a value ("" for none): equal after ``normalise``, equal hash."""
    value = normalise(value or "")
    if not value:
        return ""
    keyed = _cache.get("index")
    if keyed is None:  # HMAC keyed once; each value hashes a copy (keying is most of the cost)
        key = settings.PERSONAL_DATA_INDEX_KEY.encode()
        keyed = _cache["index"] = hmac.new(key, digestmod=hashlib.sha256)
    mac = keyed.copy()
    mac.update(value.encode())
    return mac.hexdigest()


class _EmptyExact(Exact):
    """``field=""``: the one value an encrypted column can be compared with (it is stored as
    is); any other would silently match nothing, so it is an error."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError("加密字段只能与空值比较：按值查找请用其密钥散列（BlindIndexField）。")
        return super().get_prep_lookup()


class EncryptedCharField(models.CharField):
    """A ``CharField`` stored encrypted: the model and forms see the value, the column a token.
    ``max_length`` bounds the value; the column is text (a token is longer than its value). An
    empty value is stored empty. No lookup but ``isnull`` and ``= ""`` (two tokens of one value
    differ): find equal values through a ``BlindIndexField``."""

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        if type(value) is not str:  # the rare non-text value: made text as CharField does
            value = super().get_prep_value(value)
        return encrypt(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyExact
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, name):
        return None


class BlindIndexField(models.CharField):
    """The ``blind_index`` of the field ``source``, set whenever the record is saved (``save()``
    and ``bulk_create`` call ``pre_save``; a bulk writer that bypasses them must too)."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


@checks.register(checks.Tags.security)
def personal_data_keys_check(app_configs, **kwargs):
    """Bad keys are found when the app starts, not at the first encrypted value."""
    errors = []
    try:
        keyring()
    except ImproperlyConfigured as exc:
        errors.append(checks.Error(str(exc), id="disclosure.E101"))
    if len(settings.PERSONAL_DATA_INDEX_KEY) < INDEX_KEY_MIN_CHARS:
        errors.append(
            checks.Error(
                f"PERSONAL_DATA_INDEX_KEY 应至少有{INDEX_KEY_MIN_CHARS}个随机字符。",
                id="disclosure.E102",
            )
        )
    return errors
