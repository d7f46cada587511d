//! tessera-formats
