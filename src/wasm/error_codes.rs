//! The stable `code` strings JS sees for the core's errors, one per kind: on the `Error`s the
//! boundary throws (send calls, handshake calls), on the `rejected` and `handshake-failed`
//! events, and as `errorCode` on the failure record of `closeInfo()`. Applications test them,
//! so a name never changes meaning; README.md lists them.

use crate::connection::SendError;
use crate::error::ProtocolError;
use crate::handshake::{HandshakeError, HttpError};

/// Why the connection was failed.
pub fn failure_code(err: &ProtocolError) -> &'static str {
    match err {
        ProtocolError::ProtocolViolation(_) => "WS_ERR_PROTOCOL",
        ProtocolError::InvalidUtf8(_) => "WS_ERR_INVALID_UTF8",
        ProtocolError::InvalidExtensionData(_) => "WS_ERR_INVALID_EXTENSION_DATA",
        ProtocolError::PolicyViolation(_) => "WS_ERR_POLICY_VIOLATION",
        ProtocolError::MessageTooBig(_) => "WS_ERR_MESSAGE_TOO_BIG",
        ProtocolError::ExtensionFailed(_) => "WS_ERR_EXTENSION",
        ProtocolError::Internal(_) => "WS_ERR_INTERNAL",
        ProtocolError::Other { .. } => "WS_ERR_OTHER",
    }
}

/// Why a send call was refused.
pub fn send_code(err: &SendError) -> &'static str {
    match err {
        SendError::NotOpen(_) => "WS_ERR_NOT_OPEN",
        SendError::FragmentSequence(_) => "WS_ERR_FRAGMENT_SEQUENCE",
        SendError::ControlTooLong(_) => "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH",
        SendError::InvalidCloseCode(_) => "WS_ERR_INVALID_CLOSE_CODE",
        SendError::ReasonWithoutCode | SendError::ReasonTooLong(_) => "WS_ERR_INVALID_CLOSE_REASON",
        SendError::NeedsTransform => "WS_ERR_NEEDS_TRANSFORM",
        SendError::Extension(_) => "WS_ERR_EXTENSION",
    }
}

/// Why a handshake call was refused, or why a client's handshake failed.
pub fn handshake_code(err: &HandshakeError) -> &'static str {
    match err {
        HandshakeError::WrongState(_) => "WS_ERR_HANDSHAKE_STATE",
        HandshakeError::InvalidValue(_) => "WS_ERR_HANDSHAKE_INVALID_VALUE",
        HandshakeError::SubprotocolNotOffered(_) => "WS_ERR_HANDSHAKE_SUBPROTOCOL",
        HandshakeError::Refused { .. } => "WS_ERR_HANDSHAKE_REFUSED",
        HandshakeError::InvalidResponse(_) => "WS_ERR_HANDSHAKE_INVALID_RESPONSE",
        HandshakeError::Extension(_) => "WS_ERR_HANDSHAKE_EXTENSION",
        HandshakeError::HeadTooLarge { .. } => "WS_ERR_HANDSHAKE_TOO_LARGE",
        HandshakeError::ConnectionClosed => "WS_ERR_HANDSHAKE_CLOSED",
    }
}

/// Why the server refused a request on its own (its `rejected` event): the status says it.
pub fn refusal_code(err: &HttpError) -> &'static str {
    match err.status {
        431 => "WS_ERR_HANDSHAKE_TOO_LARGE",
        _ => "WS_ERR_HANDSHAKE_INVALID_REQUEST",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::State;
    use crate::extensions::NegotiationError;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn each_failure_has_its_close_code_and_js_code() {
        let rows = [
            (ProtocolError::protocol("RSV1 set on a control frame"), 1002, "WS_ERR_PROTOCOL"),
            (ProtocolError::invalid_utf8("text message is not valid UTF-8"), 1007, "WS_ERR_INVALID_UTF8"),
            (ProtocolError::invalid_extension_data("invalid compressed data"), 1007, "WS_ERR_INVALID_EXTENSION_DATA"),
            (ProtocolError::from_close_code(1008, "peer not reading"), 1008, "WS_ERR_POLICY_VIOLATION"),
            (ProtocolError::too_big("message too big"), 1009, "WS_ERR_MESSAGE_TOO_BIG"),
            (ProtocolError::ExtensionFailed("threw".into()), 1011, "WS_ERR_EXTENSION"),
            (ProtocolError::internal("compression failed"), 1011, "WS_ERR_INTERNAL"),
            (ProtocolError::from_close_code(1001, "going away"), 1001, "WS_ERR_OTHER"),
        ];
        for (err, close_code, js_code) in rows {
            assert_eq!((err.close_code(), failure_code(&err)), (close_code, js_code), "{err:?}");
        }
    }

    #[test]
    fn each_handshake_error_has_its_js_code() {
        let rows = [
            (HandshakeError::NO_REQUEST, "WS_ERR_HANDSHAKE_STATE"),
            (HandshakeError::InvalidValue("invalid header name".into()), "WS_ERR_HANDSHAKE_INVALID_VALUE"),
            (HandshakeError::SubprotocolNotOffered("chat".into()), "WS_ERR_HANDSHAKE_SUBPROTOCOL"),
            (HandshakeError::Refused { status: 403 }, "WS_ERR_HANDSHAKE_REFUSED"),
            (HandshakeError::InvalidResponse("missing Upgrade header".into()), "WS_ERR_HANDSHAKE_INVALID_RESPONSE"),
            (HandshakeError::Extension(NegotiationError("bad".into())), "WS_ERR_HANDSHAKE_EXTENSION"),
            (HandshakeError::HeadTooLarge { limit: 64 }, "WS_ERR_HANDSHAKE_TOO_LARGE"),
            (HandshakeError::ConnectionClosed, "WS_ERR_HANDSHAKE_CLOSED"),
        ];
        for (err, js_code) in rows {
            assert_eq!(handshake_code(&err), js_code, "{err:?}");
        }
        assert_eq!(refusal_code(&HttpError::new(431, "too large")), "WS_ERR_HANDSHAKE_TOO_LARGE");
        assert_eq!(refusal_code(&HttpError::new(400, "missing Host header")), "WS_ERR_HANDSHAKE_INVALID_REQUEST");
    }

    #[test]
    fn each_send_error_has_its_js_code() {
        let rows = [
            (SendError::NotOpen(State::Closing), "WS_ERR_NOT_OPEN"),
            (SendError::FragmentSequence("x"), "WS_ERR_FRAGMENT_SEQUENCE"),
            (SendError::ControlTooLong(126), "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"),
            (SendError::InvalidCloseCode(1005), "WS_ERR_INVALID_CLOSE_CODE"),
            (SendError::ReasonWithoutCode, "WS_ERR_INVALID_CLOSE_REASON"),
            (SendError::ReasonTooLong(124), "WS_ERR_INVALID_CLOSE_REASON"),
            (SendError::NeedsTransform, "WS_ERR_NEEDS_TRANSFORM"),
            (SendError::Extension(ProtocolError::internal("x")), "WS_ERR_EXTENSION"),
        ];
        for (err, js_code) in rows {
            assert_eq!(send_code(&err), js_code, "{err:?}");
        }
    }
}
