//! What a `Sec-WebSocket-Extensions` header carries, as data: an extension's name and its
//! parameters. The header's grammar lives with the handshake (`handshake/extensions_header.rs`);
//! factories and extensions only see these values.

use serde::{Deserialize, Serialize};

/// One `name[=value]` parameter; `None` for a parameter without a value.
pub type ExtensionParam = (String, Option<String>);

/// One extension offer/response: `permessage-deflate; client_max_window_bits=10`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionOffer {
    pub name: String,
    pub params: Vec<ExtensionParam>,
}

impl ExtensionOffer {
    /// `ExtensionOffer::new("permessage-deflate", &[("client_max_window_bits", None)])`
    pub fn new(name: &str, params: &[(&str, Option<&str>)]) -> ExtensionOffer {
        ExtensionOffer {
            name: name.to_owned(),
            params: params.iter().map(|(n, v)| ((*n).to_owned(), v.map(str::to_owned))).collect(),
        }
    }
}
