//! STUB
use super::{ExtensionOffer, HttpError};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub target: String,
    pub path: String,
    pub params: Vec<(String, Vec<String>)>,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub host: String,
    pub origin: Option<String>,
    pub protocols: Vec<String>,
    pub extensions: Vec<ExtensionOffer>,
    pub key: String,
    pub is_upgrade: bool,
}

pub fn parse_request(_head: &[u8], _max_headers: usize) -> Result<Request, HttpError> {
    todo!()
}

pub fn accept_response(
    _client_key: &str,
    _subprotocol: Option<&str>,
    _extensions: Option<&str>,
    _extra_headers: &[(String, String)],
) -> Result<Vec<u8>, String> {
    todo!()
}
