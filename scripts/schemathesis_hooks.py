"""Hooks for the schemathesis run of the tests (`it/openapi.rs`): a tus piece
(`application/offset+octet-stream`) is bytes, which schemathesis cannot make from the
document alone."""
import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=256))
