"""WXBizMsgCrypt: WeCom's published sample values, interop with wechatpy both ways, and refusals."""

from __future__ import annotations

import base64

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from channels.wecom.crypto import BLOCK, DecryptError, SignatureError, WeComCrypto
from channels.wecom.xmlsafe import parse_flat

# WeCom's official callback sample (Tencent's "weworkapi_python" repository, callback/Sample.py):
# the Token, EncodingAESKey and CorpID it assumes, a URL-verification request and an encrypted message.
# Public test constants, used here only to prove we read WeCom's real format.
SAMPLE_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"  # noqa: S105 - public sample
SAMPLE_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
SAMPLE_CORP = "ww1436e0e65a779aee"
SAMPLE_VERIFY = ("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
                 "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==")
SAMPLE_MSG = ("0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914")
SAMPLE_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew"
    "+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24Yhm"
    "ZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwo"
    "cugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+")

KEY = base64.b64encode(bytes(range(32))).decode()[:43]
CORP = "wwtestcorp000001"


def test_published_url_verification_sample_decrypts():
    crypto = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP)
    assert crypto.verify_url(*SAMPLE_VERIFY) == "1288432023552776189"


def test_published_message_sample_decrypts_to_the_documented_xml():
    crypto = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP)
    fields = parse_flat(crypto.open(*SAMPLE_MSG, SAMPLE_ENCRYPT))
    assert fields["ToUserName"] == SAMPLE_CORP and fields["FromUserName"] == "ChenJiaShun"
    assert fields["Content"] == "你好" and fields["MsgId"] == "1456453720" and fields["AgentID"] == "1000002"


def test_published_sample_with_any_change_is_refused():
    crypto = WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP)
    sig, ts, nonce = SAMPLE_MSG
    with pytest.raises(SignatureError):
        crypto.open(sig, str(int(ts) + 1), nonce, SAMPLE_ENCRYPT)
    with pytest.raises(SignatureError):
        crypto.open("0" * 40, ts, nonce, SAMPLE_ENCRYPT)
    with pytest.raises(DecryptError, match="corp id"):
        WeComCrypto(SAMPLE_TOKEN, SAMPLE_KEY, "wwsomeoneelse").open(*SAMPLE_MSG, SAMPLE_ENCRYPT)


@pytest.mark.parametrize("message", ["<xml><Content><![CDATA[hello]]></Content></xml>", "你好，专业版多少钱？" * 40, "x"])
def test_wechatpy_decrypts_what_we_encrypt(message):
    ours = WeComCrypto("tok", KEY, CORP)
    sealed = ours.seal(message, "1700000000", "nonce-1")
    fields = parse_flat(sealed)
    theirs = WeChatCrypto("tok", KEY, CORP)
    assert theirs.decrypt_message(sealed, fields["MsgSignature"], "1700000000", "nonce-1") == message


def test_we_decrypt_what_wechatpy_encrypts():
    theirs = WeChatCrypto("tok", KEY, CORP)
    sealed = theirs.encrypt_message("<xml><Content>嗨 there</Content></xml>", "n-42", "1700000001")
    fields = parse_flat(sealed)
    ours = WeComCrypto("tok", KEY, CORP)
    assert ours.open(fields["MsgSignature"], "1700000001", "n-42", fields["Encrypt"]) == \
        "<xml><Content>嗨 there</Content></xml>"
    ours_sealed = ours.seal("m", "1", "n")
    with pytest.raises(InvalidSignatureException):  # a peer with another token refuses our signature
        WeChatCrypto("other", KEY, CORP).decrypt_message(ours_sealed, parse_flat(ours_sealed)["MsgSignature"], "1", "n")


def test_padding_is_to_32_bytes_and_tampering_is_detected():
    crypto = WeComCrypto("tok", KEY, CORP)
    for n in range(0, 70):
        raw = base64.b64decode(crypto.encrypt("a" * n))
        assert len(raw) % BLOCK == 0
    good = base64.b64decode(crypto.encrypt("hello world"))
    for bad in (good[:-16], good[:-1], good[:16] + bytes(16) + good[32:], b""):
        with pytest.raises(DecryptError):
            crypto.decrypt(base64.b64encode(bad).decode())
    with pytest.raises(DecryptError):
        crypto.decrypt("not base64 at all!")


def test_signature_check_is_case_insensitive_hex_and_rejects_garbage():
    crypto = WeComCrypto("tok", KEY, CORP)
    enc = crypto.encrypt("m")
    sig = crypto.sign("1", "n", enc)
    crypto.check(sig.upper(), "1", "n", enc)
    for bad in ("", sig[:-1], "ü" * 40):
        with pytest.raises(SignatureError):
            crypto.check(bad, "1", "n", enc)


def test_bad_keys_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="43"):
        WeComCrypto("tok", "short", CORP)
    with pytest.raises(ValueError, match="base64"):
        WeComCrypto("tok", "!" * 43, CORP)
    with pytest.raises(ValueError, match="Token"):
        WeComCrypto("", KEY, CORP)
