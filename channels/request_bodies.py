"""What every request body model shares: a field it does not know is an error (422), never ignored.

An ignored field is read as "not given", and for some requests that means "everything": a revoke with a
misspelt `purposes` once revoked every consent the contact had."""

from __future__ import annotations

from pydantic import ConfigDict

STRICT = ConfigDict(extra="forbid")
