"""WeCom's callback crypto (WXBizMsgCrypt) on `cryptography`.

AES-256-CBC with key = b64decode(EncodingAESKey + "="), IV = key[:16]; the plaintext is
16 random bytes + 4-byte big-endian length + message + receive id (the corp id), PKCS#7-padded
to a multiple of 32 bytes. msg_signature = sha1 of the sorted concatenation of token, timestamp,
nonce and the ciphertext. Every comparison is constant time; padding, length and receive id are
validated so a forged or truncated ciphertext is refused, never half-parsed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16


class WeComCryptoError(Exception):
    """The request is not from WeCom (bad signature) or its ciphertext is not valid."""


class SignatureError(WeComCryptoError):
    pass


class DecryptError(WeComCryptoError):
    pass


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()  # noqa: S324 - WeCom's scheme


class WeComCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str):
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters (WeCom admin console, 接收消息 → API 接收)")
        try:
            self._key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("EncodingAESKey is not valid base64") from exc
        if len(self._key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        if not token:
            raise ValueError("the callback Token must not be empty")
        self._token = token
        self._receive_id = receive_id.encode()

    # -- signatures -------------------------------------------------------------------------

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return signature(self._token, timestamp, nonce, encrypt)

    def check(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        expected = self.sign(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode(), (msg_signature or "").lower().encode()):
            raise SignatureError("msg_signature does not match")

    # -- AES ----------------------------------------------------------------------------------

    def encrypt(self, message: str, *, random16: bytes | None = None) -> str:
        body = message.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self._receive_id
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def decrypt(self, encrypt: str) -> str:
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("ciphertext is not base64") from exc
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        dec = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        plain = dec.update(raw) + dec.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or not hmac.compare_digest(plain[-pad:], bytes([pad]) * pad):
            raise DecryptError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise DecryptError("declared length exceeds the plaintext")
        message, receive_id = plain[20:20 + length], plain[20 + length:]
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise DecryptError("receive id (corp id) does not match")
        try:
            return message.decode()
        except UnicodeDecodeError as exc:
            raise DecryptError("message is not UTF-8") from exc

    # -- the two callback shapes ------------------------------------------------------------

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """GET verification: check the signature over echostr and return its plaintext."""
        self.check(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> str:
        """POST body: check the signature over the <Encrypt> value and return the inner XML."""
        self.check(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def seal(self, message: str, timestamp: str, nonce: str) -> str:
        """A passive encrypted reply (the XML WeCom expects back)."""
        encrypt = self.encrypt(message)
        sig = self.sign(timestamp, nonce, encrypt)
        return (f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{sig}]]></MsgSignature>"
                f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>")
