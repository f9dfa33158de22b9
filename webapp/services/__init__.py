"""The operations users perform. Services change rows and flush; the caller commits once."""
