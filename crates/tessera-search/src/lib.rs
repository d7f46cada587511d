//! tessera-search
