//! tessera-web
