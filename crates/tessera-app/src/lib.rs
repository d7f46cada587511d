//! tessera-app
