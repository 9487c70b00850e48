//! What the parameter handling of permessage-deflate and permessage-bzip2 shares: both read
//! offers and responses strictly, and both own RSV1.

use crate::extension::{Extension, NegotiationError};
use crate::frame::RSV1;
use crate::handshake::ExtensionParam;

/// The parameters as (name, value), once each: a repeated name makes the whole offer or
/// response unreadable (RFC 7692 §7, which bzip2 follows).
pub fn distinct(params: &[ExtensionParam]) -> Result<Vec<(&str, Option<&str>)>, NegotiationError> {
    let mut out: Vec<(&str, Option<&str>)> = Vec::with_capacity(params.len());
    for (name, value) in params {
        if out.iter().any(|(seen, _)| seen == name) {
            return Err(NegotiationError(format!("duplicate parameter {name}")));
        }
        out.push((name, value.as_deref()));
    }
    Ok(out)
}

/// An extension that owns RSV1 cannot join a chain where something else does, nor be
/// negotiated twice (offering deflate and bzip2 both lets the server pick one).
pub fn check_rsv1_free(accepted: &[Box<dyn Extension>], name: &str) -> Result<(), NegotiationError> {
    if accepted.iter().any(|e| e.name() == name) {
        return Err(NegotiationError(format!("{name} already negotiated")));
    }
    if accepted.iter().any(|e| e.rsv_bits() & RSV1 != 0) {
        return Err(NegotiationError("RSV1 is already owned by another extension".into()));
    }
    Ok(())
}
