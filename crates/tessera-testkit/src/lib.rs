//! tessera-testkit
