//! The browser client's transport: the browser's own `WebSocket`, reached through `web-sys`.
//!
//! In a browser the page cannot open a TCP socket, so the protocol core (`Connection`) has no
//! job there: the browser does the handshake, framing, masking, UTF-8 checks and compression
//! itself. `BrowserSocket` owns one `WebSocket` (binary messages as `ArrayBuffer`s) and
//! forwards its four events to one JS object, the browser protocol layer
//! (`js/browser/transport.mjs`), which gives them the Autobahn-shaped API.
//!
//! Every call takes and returns only strings, numbers and plain JS values (no serde objects):
//! messages are hot paths.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

#[wasm_bindgen]
extern "C" {
    /// The JS object that receives a `BrowserSocket`'s events (its four methods below).
    #[wasm_bindgen(typescript_type = "BrowserSocketEvents")]
    pub type BrowserSocketEvents;

    #[wasm_bindgen(method, catch, js_name = socketOpened)]
    fn socket_opened(this: &BrowserSocketEvents) -> Result<(), JsValue>;

    /// `data` is the message as the browser gives it: a string (text) or an `ArrayBuffer`.
    #[wasm_bindgen(method, catch, js_name = socketMessage)]
    fn socket_message(this: &BrowserSocketEvents, data: &JsValue, is_binary: bool) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = socketClosed)]
    fn socket_closed(this: &BrowserSocketEvents, was_clean: bool, code: u16, reason: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, js_name = socketError)]
    fn socket_error(this: &BrowserSocketEvents) -> Result<(), JsValue>;

    // A view of the WebSocket whose `send` takes the JS string as it is: web-sys's
    // `send_with_str` would copy it into wasm memory and back out.
    #[wasm_bindgen(extends = WebSocket)]
    type StringSender;

    #[wasm_bindgen(method, catch, js_name = send)]
    fn send_js_string(this: &StringSender, data: &JsString) -> Result<(), JsValue>;
}

#[wasm_bindgen(typescript_custom_section)]
const EVENTS_TYPE: &str = r#"
/** What a BrowserSocket calls (the browser protocol layer implements it). */
export interface BrowserSocketEvents {
  socketOpened(): void;
  /** `data` is a string (text) or an ArrayBuffer (binary). */
  socketMessage(data: string | ArrayBuffer, isBinary: boolean): void;
  socketClosed(wasClean: boolean, code: number, reason: string): void;
  socketError(): void;
}
"#;

/// An event handler threw: report it where the browser reports uncaught errors, without
/// unwinding through wasm frames (which would skip their destructors).
fn report(result: Result<(), JsValue>) {
    if let Err(error) = result {
        web_sys::console::error_2(&JsValue::from_str("wasmsocket: error in a BrowserSocket event handler:"), &error);
    }
}

/// One browser `WebSocket` and the handlers that forward its events. Call `free()` when done:
/// it detaches the handlers (no event arrives afterwards), drops them, and closes the socket
/// if it is still open.
#[wasm_bindgen]
pub struct BrowserSocket {
    socket: WebSocket,
    // Held only to keep the handlers alive while the socket may call them.
    _on_open: Closure<dyn Fn()>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_close: Closure<dyn Fn(CloseEvent)>,
    _on_error: Closure<dyn Fn()>,
}

#[wasm_bindgen]
impl BrowserSocket {
    /// Starts connecting to `url`, offering `protocols` (strings). Throws the browser's error
    /// for a URL or subprotocol list it refuses (a `SyntaxError` DOMException).
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, protocols: &js_sys::Array, events: BrowserSocketEvents) -> Result<BrowserSocket, JsValue> {
        let socket = WebSocket::new_with_str_sequence(url, protocols)?;
        socket.set_binary_type(BinaryType::Arraybuffer);
        let events = JsValue::from(events);
        let target = |events: &JsValue| events.clone().unchecked_into::<BrowserSocketEvents>();

        let to = target(&events);
        let on_open = Closure::<dyn Fn()>::new(move || report(to.socket_opened()));
        let to = target(&events);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let is_binary = !data.is_string();
            report(to.socket_message(&data, is_binary));
        });
        let to = target(&events);
        let on_close = Closure::<dyn Fn(CloseEvent)>::new(move |event: CloseEvent| {
            report(to.socket_closed(event.was_clean(), event.code(), &event.reason()));
        });
        let to = target(&events);
        let on_error = Closure::<dyn Fn()>::new(move || report(to.socket_error()));

        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        socket.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(BrowserSocket { socket, _on_open: on_open, _on_message: on_message, _on_close: on_close, _on_error: on_error })
    }

    /// Sends a text message (a JS string, passed to the browser as it is).
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&self, text: &JsString) -> Result<(), JsError> {
        self.socket.unchecked_ref::<StringSender>().send_js_string(text).map_err(|e| browser_error("send", &e))
    }

    /// Sends a binary message; the browser copies the bytes (no copy through wasm memory).
    #[wasm_bindgen(js_name = sendBinary)]
    pub fn send_binary(&self, bytes: &Uint8Array) -> Result<(), JsError> {
        self.socket.send_with_js_u8_array(bytes).map_err(|e| browser_error("send", &e))
    }

    /// Starts the closing handshake. `code` is 1000 or 3000–4999 (the only ones a browser may
    /// send), a `reason` needs a code and fits in 123 UTF-8 bytes; anything else throws an
    /// `Error` naming the rule, before the browser sees it. Without a code the close frame
    /// carries none (the peer sees 1005).
    pub fn close(&self, code: Option<f64>, reason: Option<String>) -> Result<(), JsError> {
        let code = check_close(code, reason.as_deref()).map_err(JsError::new)?;
        let result = match (code, reason) {
            (None, _) => self.socket.close(),
            (Some(code), None) => self.socket.close_with_code(code),
            (Some(code), Some(reason)) => self.socket.close_with_code_and_reason(code, &reason),
        };
        result.map_err(|e| browser_error("close", &e))
    }

    /// Bytes queued by `send*` and not yet handed to the network.
    #[wasm_bindgen(js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> u32 {
        self.socket.buffered_amount()
    }

    /// 0 connecting, 1 open, 2 closing, 3 closed (`WebSocket.readyState`).
    #[wasm_bindgen(js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.socket.ready_state()
    }

    /// The subprotocol the server chose (`''` when none, or before open).
    pub fn protocol(&self) -> String {
        self.socket.protocol()
    }

    /// The negotiated extensions as the server's `Sec-WebSocket-Extensions` value (`''` when none).
    pub fn extensions(&self) -> String {
        self.socket.extensions()
    }
}

impl Drop for BrowserSocket {
    fn drop(&mut self) {
        // Detach first: the browser must never call a handler that is being dropped.
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        if self.socket.ready_state() < WebSocket::CLOSING {
            // Best effort: nothing is listening any more, and close() without a code cannot fail.
            let _ = self.socket.close();
        }
    }
}

/// The browser's close rules, checked here so a bad call gets a message naming the rule
/// (the browser would throw an `InvalidAccessError` or `SyntaxError` DOMException).
/// (Messages without the bad value: formatting an f64 would add kilobytes of wasm.)
fn check_close(code: Option<f64>, reason: Option<&str>) -> Result<Option<u16>, &'static str> {
    let code = match code {
        None => None,
        Some(c) if c == 1000.0 || (c.fract() == 0.0 && (3000.0..=4999.0).contains(&c)) => Some(c as u16),
        Some(_) => return Err("close code must be 1000 or within 3000-4999 in a browser"),
    };
    if let Some(reason) = reason {
        if code.is_none() {
            return Err("a close reason needs a close code");
        }
        if reason.len() > 123 {
            return Err("close reason must be at most 123 UTF-8 bytes");
        }
    }
    Ok(code)
}

/// The browser's exception (a DOMException) as an `Error` that says what failed.
fn browser_error(what: &str, error: &JsValue) -> JsError {
    let detail = js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    JsError::new(&["WebSocket ", what, " failed: ", &detail].concat())
}

#[cfg(test)]
mod tests {
    use super::check_close;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn close_codes_follow_the_browser_rules() {
        assert_eq!(check_close(None, None), Ok(None));
        assert_eq!(check_close(Some(1000.0), Some("bye")), Ok(Some(1000)));
        assert_eq!(check_close(Some(3000.0), None), Ok(Some(3000)));
        assert_eq!(check_close(Some(4999.0), Some("")), Ok(Some(4999)));
        for bad in [1001.0, 1011.0, 2999.0, 5000.0, 3000.5, f64::NAN, -1000.0, 66536.0] {
            assert!(check_close(Some(bad), None).is_err(), "{bad}");
        }
        assert!(check_close(None, Some("why")).is_err());
        assert!(check_close(Some(1000.0), Some(&"é".repeat(62))).is_err()); // 124 bytes
        assert_eq!(check_close(Some(1000.0), Some(&"é".repeat(61))), Ok(Some(1000)));
    }
}
