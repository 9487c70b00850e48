//! The one error type of the framing layer: why a connection is failed. Each kind knows the
//! close code it is failed with (RFC 6455 §7.4.1); the reason, for people, goes into the close
//! frame. The wasm boundary gives each kind a stable `WS_ERR_*` name (`src/wasm/error_codes.rs`).

use crate::close::codes;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// 1002: the peer broke RFC 6455's framing rules, or an extension's (RSV1 on a
    /// continuation frame).
    ProtocolViolation(String),
    /// 1007: a text message, or a close reason, that is not UTF-8.
    InvalidUtf8(String),
    /// 1007: data a negotiated extension cannot decode (a corrupt compressed stream).
    InvalidExtensionData(String),
    /// 1008: the application's policy (the JS layer's cap on unsent bytes).
    PolicyViolation(String),
    /// 1009: a frame or message above the configured limits, or a decompression bomb.
    MessageTooBig(String),
    /// 1011: an extension failed to transform a frame (a JS extension threw).
    ExtensionFailed(String),
    /// 1011: something went wrong on our side.
    Internal(String),
    /// A failure with a close code none of the kinds above has, as the I/O layer or a JS
    /// extension chose it (1001 going away, 1010, an application's 4000).
    Other { code: u16, reason: String },
}

impl ProtocolError {
    /// 1002: the peer broke the framing rules.
    pub fn protocol(reason: impl Into<String>) -> Self {
        ProtocolError::ProtocolViolation(reason.into())
    }
    /// 1007: text that is not UTF-8.
    pub fn invalid_utf8(reason: impl Into<String>) -> Self {
        ProtocolError::InvalidUtf8(reason.into())
    }
    /// 1007: data an extension cannot decode.
    pub fn invalid_extension_data(reason: impl Into<String>) -> Self {
        ProtocolError::InvalidExtensionData(reason.into())
    }
    /// 1009: a frame or message above the configured limit.
    pub fn too_big(reason: impl Into<String>) -> Self {
        ProtocolError::MessageTooBig(reason.into())
    }
    /// 1011: something went wrong on our side.
    pub fn internal(reason: impl Into<String>) -> Self {
        ProtocolError::Internal(reason.into())
    }

    /// The kind a close code stands for, for failures that arrive as a code (the I/O layer's
    /// `fail`, a JS extension's `closeCode`). 1007 reads as extension data: text is checked
    /// by the core itself, never reported by code.
    pub fn from_close_code(code: u16, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        match code {
            codes::PROTOCOL_ERROR => ProtocolError::ProtocolViolation(reason),
            codes::INVALID_PAYLOAD => ProtocolError::InvalidExtensionData(reason),
            codes::POLICY_VIOLATION => ProtocolError::PolicyViolation(reason),
            codes::MESSAGE_TOO_BIG => ProtocolError::MessageTooBig(reason),
            codes::INTERNAL_ERROR => ProtocolError::Internal(reason),
            code => ProtocolError::Other { code, reason },
        }
    }

    /// The close code the connection is failed with.
    pub fn close_code(&self) -> u16 {
        match self {
            ProtocolError::ProtocolViolation(_) => codes::PROTOCOL_ERROR,
            ProtocolError::InvalidUtf8(_) | ProtocolError::InvalidExtensionData(_) => codes::INVALID_PAYLOAD,
            ProtocolError::PolicyViolation(_) => codes::POLICY_VIOLATION,
            ProtocolError::MessageTooBig(_) => codes::MESSAGE_TOO_BIG,
            ProtocolError::ExtensionFailed(_) | ProtocolError::Internal(_) => codes::INTERNAL_ERROR,
            ProtocolError::Other { code, .. } => *code,
        }
    }

    /// A short human-readable reason; sent in the close frame (cut to 123 bytes there).
    pub fn reason(&self) -> &str {
        match self {
            ProtocolError::ProtocolViolation(reason)
            | ProtocolError::InvalidUtf8(reason)
            | ProtocolError::InvalidExtensionData(reason)
            | ProtocolError::PolicyViolation(reason)
            | ProtocolError::MessageTooBig(reason)
            | ProtocolError::ExtensionFailed(reason)
            | ProtocolError::Internal(reason)
            | ProtocolError::Other { reason, .. } => reason,
        }
    }
}

impl core::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.reason(), self.close_code())
    }
}

impl std::error::Error for ProtocolError {}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn each_kind_has_its_close_code() {
        let rows = [
            (ProtocolError::protocol("p"), 1002),
            (ProtocolError::invalid_utf8("u"), 1007),
            (ProtocolError::invalid_extension_data("x"), 1007),
            (ProtocolError::PolicyViolation("v".into()), 1008),
            (ProtocolError::too_big("b"), 1009),
            (ProtocolError::ExtensionFailed("e".into()), 1011),
            (ProtocolError::internal("i"), 1011),
            (ProtocolError::Other { code: 4000, reason: "o".into() }, 4000),
        ];
        for (err, code) in rows {
            assert_eq!(err.close_code(), code, "{err:?}");
            assert_eq!(err.to_string(), format!("{} ({code})", err.reason()));
        }
    }

    #[test]
    fn close_codes_read_back_as_their_kind() {
        for code in [1002, 1007, 1008, 1009, 1011, 1001, 1010, 3000, 4999] {
            let err = ProtocolError::from_close_code(code, "why");
            assert_eq!((err.close_code(), err.reason()), (code, "why"));
        }
        assert_eq!(ProtocolError::from_close_code(1009, "b"), ProtocolError::too_big("b"));
        assert_eq!(ProtocolError::from_close_code(1001, "bye"), ProtocolError::Other { code: 1001, reason: "bye".into() });
    }
}
