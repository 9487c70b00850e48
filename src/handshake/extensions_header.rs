//! STUB
use serde::{Deserialize, Serialize};

/// One `name[=value]` parameter; `None` for a parameter without a value.
pub type ExtensionParam = (String, Option<String>);

/// One extension offer/response: `permessage-deflate; client_max_window_bits=10`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionOffer {
    pub name: String,
    pub params: Vec<ExtensionParam>,
}

/// Parses the values of every `Sec-WebSocket-Extensions` header line, in order.
pub fn parse_extensions(_header_values: &[&str]) -> Result<Vec<ExtensionOffer>, String> {
    todo!()
}

/// Serialises offers into one header value.
pub fn format_extensions(_offers: &[ExtensionOffer]) -> String {
    todo!()
}
