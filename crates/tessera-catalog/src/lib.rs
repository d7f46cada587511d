//! tessera-catalog
