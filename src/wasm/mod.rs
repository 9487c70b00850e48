//! The wasm boundary: the only module that knows about JavaScript.
//!
//! Bulk bytes never cross as `Vec<u8>` return values (each would allocate a fresh JS
//! ArrayBuffer); they stay in buffers in wasm memory that JS reads and writes through typed
//! array views on `wasmMemory().buffer`. Options and handshake objects, which are rare, cross
//! with serde-wasm-bindgen.
//!
//! Copies per message:
//! - Receive, 3 copies: (1) JS copies the socket chunk into the connection's input buffer
//!   (`inputSpace` + `commitInput`); (2) the core moves the payload into the message buffer,
//!   fused with unmasking in one pass (a server must unmask anyway; a client's is a memcpy);
//!   (3) JS copies the message out into a fresh `Uint8Array`/`Buffer` for the application,
//!   which must outlive the next call. A fragmented message costs no extra copy: each
//!   fragment is unmasked straight onto the end of the message buffer.
//! - Send, unmasked and without extension (a server's usual case): the core writes only the
//!   2–10 byte header (`sendHeaderOnly`). A payload over 16 KiB then goes to the socket as is
//!   (0 copies, header + payload in one writev); a smaller one is copied once behind the
//!   header into one buffer, which costs less than a second socket write.
//! - Send otherwise, 3 copies: (1) JS copies the payload into the staging buffer
//!   (`stagingSpace`); (2) the core writes header + payload into the output buffer, fused
//!   with masking; (3) JS copies the output into a `Buffer` for the transport.
//!
//! Events from one `commitInput` come back batched: `eventsPtr()` points at `eventCount()`
//! records of four u32 `[kind, flags, dataPtr, dataLen]`; payloads stay valid until the next
//! call that takes input. Rare events carry an object from `eventDetail(i)`.

mod extensions;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::config::{Config, Role};
use crate::connection::{Accept, Connection, Event};
use crate::error::ProtocolError;
use crate::extension::ExtensionChain;
use crate::frame::Opcode;
use crate::handshake::client::ClientRequest;

/// Event kinds in the descriptor records (mirrored in the JS layer).
pub mod kind {
    pub const TEXT: u32 = 1;
    pub const BINARY: u32 = 2;
    pub const FRAME: u32 = 3;
    pub const PING: u32 = 4;
    pub const PONG: u32 = 5;
    pub const CLOSE: u32 = 6;
    pub const REQUEST: u32 = 7;
    pub const HTTP_REQUEST: u32 = 8;
    pub const REJECTED: u32 = 9;
    pub const OPEN: u32 = 10;
    pub const HANDSHAKE_FAILED: u32 = 11;
}

/// Bits of `status()`, mirrored in the JS layer.
pub mod status {
    pub const OUTPUT_PENDING: u32 = 1;
    pub const CLOSE_EXPECTED: u32 = 2;
    pub const CLOSE_TRANSPORT: u32 = 4;
    pub const CLOSE_SENT: u32 = 8;
    pub const CLOSE_RECEIVED: u32 = 16;
    pub const FAILED: u32 = 32;
    pub const WAS_CLEAN: u32 = 64;
    pub const HELD: u32 = 128;
}

const RECORD: usize = 4;

#[wasm_bindgen(js_name = Connection)]
pub struct WasmConnection {
    conn: Connection,
    events: Vec<Event>,
    records: Vec<u32>,
}

thread_local! {
    /// One staging buffer for every connection of this thread: JS fills it and sends from it
    /// in one go, so no connection needs its own (it would keep its largest message's size
    /// for as long as the connection lives).
    static STAGING: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The wasm module's memory, for the JS layer's views (not named `memory`: that name is taken).
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The crate version, to check that JS glue and wasm match.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

fn parse_role(role: &str) -> Result<Role, JsError> {
    match role {
        "server" => Ok(Role::Server),
        "client" => Ok(Role::Client),
        other => Err(JsError::new(&format!("role must be \"server\" or \"client\", not {other:?}"))),
    }
}

fn parse_config(options: JsValue) -> Result<Config, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(Config::default());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("invalid options: {e}")))
}

fn parse_seed(seed: &[u8]) -> Result<[u8; 32], JsError> {
    seed.try_into().map_err(|_| JsError::new("seed must be 32 random bytes"))
}

fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).unwrap_or(JsValue::UNDEFINED)
}

fn data_opcode(opcode: u8) -> Result<Opcode, JsError> {
    match Opcode::from_u8(opcode) {
        Some(op) if !op.is_control() => Ok(op),
        _ => Err(JsError::new(&format!("{opcode} is not a data opcode"))),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CloseInfo<'a> {
    was_clean: bool,
    sent: Option<&'a crate::connection::CloseFrame>,
    received: Option<&'a crate::connection::CloseFrame>,
    failure: Option<FailureInfo<'a>>,
}

#[derive(Serialize)]
struct FailureInfo<'a> {
    code: u16,
    reason: &'a str,
}

#[wasm_bindgen(js_class = Connection)]
impl WasmConnection {
    /// A connection starting with the opening handshake. `options` uses `Config`'s camelCase
    /// names; `seed` is 32 bytes from `crypto.getRandomValues`.
    #[wasm_bindgen(constructor)]
    pub fn new(role: &str, options: JsValue, seed: &[u8]) -> Result<WasmConnection, JsError> {
        let conn = Connection::new(parse_role(role)?, parse_config(options)?, parse_seed(seed)?);
        Ok(Self::wrap(conn))
    }

    /// A connection already open (handshake done elsewhere, or benchmarks), no extensions.
    #[wasm_bindgen(js_name = newOpen)]
    pub fn new_open(role: &str, options: JsValue, seed: &[u8]) -> Result<WasmConnection, JsError> {
        let conn = Connection::new_open(
            parse_role(role)?,
            parse_config(options)?,
            parse_seed(seed)?,
            ExtensionChain::default(),
        );
        Ok(Self::wrap(conn))
    }

    fn wrap(conn: Connection) -> WasmConnection {
        WasmConnection { conn, events: Vec::new(), records: Vec::new() }
    }

    // ----- input -----

    /// Address of room for `len` bytes in the input buffer. Views made before this call may
    /// be detached (memory can grow): make the view after it.
    #[wasm_bindgen(js_name = inputSpace)]
    pub fn input_space(&mut self, len: usize) -> usize {
        self.release_events();
        self.conn.input_space(len).as_mut_ptr() as usize
    }

    /// Processes `len` bytes written at `inputSpace`; returns the number of events.
    #[wasm_bindgen(js_name = commitInput)]
    pub fn commit_input(&mut self, len: usize) -> usize {
        self.conn.commit_input(len);
        self.collect_events()
    }

    /// Copies `data` in and processes it (convenience; `inputSpace` saves the argument copy).
    pub fn receive(&mut self, data: &[u8]) -> usize {
        self.release_events();
        self.conn.receive_data(data);
        self.collect_events()
    }

    #[wasm_bindgen(js_name = receiveEof)]
    pub fn receive_eof(&mut self) -> usize {
        self.release_events();
        self.conn.receive_eof();
        self.collect_events()
    }

    /// After handling a batch: applies what `holdCloseBehindEvents` held back; returns the
    /// number of new events.
    pub fn resume(&mut self) -> usize {
        if !self.conn.has_held() {
            return 0;
        }
        self.release_events();
        self.conn.resume();
        self.collect_events()
    }

    /// Frees the last batch's payloads once JS has copied them out, so an idle connection
    /// does not hold its last message (which may be megabytes) until more input arrives.
    #[wasm_bindgen(js_name = releaseEvents)]
    pub fn release_events(&mut self) {
        self.events.clear();
        self.records.clear();
    }

    fn collect_events(&mut self) -> usize {
        self.conn.swap_events(&mut self.events);
        self.records.clear();
        for event in &self.events {
            let (kind, flags, data): (u32, u32, &[u8]) = match event {
                Event::Message { is_binary: false, data } => (kind::TEXT, 0, data),
                Event::Message { is_binary: true, data } => (kind::BINARY, 0, data),
                Event::Frame(f) => (kind::FRAME, f.fin as u32 | (f.rsv as u32) << 1 | (f.opcode as u32) << 4, &f.data),
                Event::Ping(data) => (kind::PING, 0, data),
                Event::Pong(data) => (kind::PONG, 0, data),
                Event::Close(c) => (kind::CLOSE, c.code as u32, c.reason.as_bytes()),
                Event::Request(_) => (kind::REQUEST, 0, &[]),
                Event::HttpRequest(_) => (kind::HTTP_REQUEST, 0, &[]),
                Event::Rejected(e) => (kind::REJECTED, e.status as u32, &[]),
                Event::Open(_) => (kind::OPEN, 0, &[]),
                Event::HandshakeFailed(e) => (kind::HANDSHAKE_FAILED, e.status.unwrap_or(0) as u32, &[]),
            };
            self.records.extend_from_slice(&[kind, flags, data.as_ptr() as u32, data.len() as u32]);
        }
        self.events.len()
    }

    #[wasm_bindgen(js_name = eventsPtr)]
    pub fn events_ptr(&self) -> usize {
        self.records.as_ptr() as usize
    }

    #[wasm_bindgen(js_name = eventCount)]
    pub fn event_count(&self) -> usize {
        self.records.len() / RECORD
    }

    /// The object behind a handshake or close event (request, response, error, close frame).
    #[wasm_bindgen(js_name = eventDetail)]
    pub fn event_detail(&self, index: usize) -> JsValue {
        match self.events.get(index) {
            Some(Event::Request(r) | Event::HttpRequest(r)) => to_js(r),
            Some(Event::Rejected(e)) => to_js(e),
            Some(Event::Open(r)) => to_js(r),
            Some(Event::HandshakeFailed(e)) => to_js(e),
            Some(Event::Close(c)) => to_js(c),
            _ => JsValue::UNDEFINED,
        }
    }

    // ----- output -----

    #[wasm_bindgen(js_name = outputPtr)]
    pub fn output_ptr(&self) -> usize {
        self.conn.output().as_ptr() as usize
    }

    #[wasm_bindgen(js_name = outputLen)]
    pub fn output_len(&self) -> usize {
        self.conn.output().len()
    }

    #[wasm_bindgen(js_name = clearOutput)]
    pub fn clear_output(&mut self) {
        self.conn.clear_output();
    }

    // ----- handshake -----

    /// The extension factories to negotiate with, in order (see `extensions.rs` for the
    /// entries). Call before `accept` (server) or `connect` (client).
    #[wasm_bindgen(js_name = setExtensions)]
    pub fn set_extensions(&mut self, specs: js_sys::Array) -> Result<(), JsError> {
        match self.conn.role() {
            Role::Server => self.conn.set_server_extensions(extensions::server_factories(&specs)?),
            Role::Client => self.conn.set_client_extensions(extensions::client_factories(&specs)?),
        }
        Ok(())
    }

    /// Server: accept the pending request (`{subprotocol?, headers?: [[name, value]]}`).
    pub fn accept(&mut self, accept: JsValue) -> Result<usize, JsError> {
        let accept: Accept = if accept.is_undefined() || accept.is_null() {
            Accept::default()
        } else {
            serde_wasm_bindgen::from_value(accept).map_err(|e| JsError::new(&format!("invalid accept: {e}")))?
        };
        self.release_events();
        self.conn.accept(&accept).map_err(|e| JsError::new(&e))?;
        // Frames pipelined behind the request were processed by accept.
        Ok(self.collect_events())
    }

    pub fn reject(&mut self, status: u16, reason: &str, headers: JsValue) -> Result<(), JsError> {
        let headers = parse_headers(headers)?;
        self.conn.reject(status, reason, &headers).map_err(|e| JsError::new(&e))
    }

    #[wasm_bindgen(js_name = respondHttp)]
    pub fn respond_http(&mut self, status: u16, headers: JsValue, body: &[u8]) -> Result<(), JsError> {
        let headers = parse_headers(headers)?;
        self.conn.respond_http(status, &headers, body).map_err(|e| JsError::new(&e))
    }

    /// Client: queue the opening request (`ClientRequest` fields in camelCase).
    pub fn connect(&mut self, request: JsValue) -> Result<(), JsError> {
        let request: ClientRequest =
            serde_wasm_bindgen::from_value(request).map_err(|e| JsError::new(&format!("invalid request: {e}")))?;
        self.conn.connect(&request).map_err(|e| JsError::new(&e))
    }

    // ----- send -----

    /// Address of room for a `len`-byte payload to send; then call a send method with `len`.
    #[wasm_bindgen(js_name = stagingSpace)]
    pub fn staging_space(&mut self, len: usize) -> usize {
        STAGING.with(|cell| {
            let mut staging = cell.borrow_mut();
            staging.clear();
            staging.resize(len, 0);
            staging.as_mut_ptr() as usize
        })
    }

    /// Runs a send on the first `len` staged bytes without copying them out of the staging
    /// buffer (it is lent to the call and put back).
    fn send_staged(
        &mut self,
        len: usize,
        send: impl FnOnce(&mut Connection, &[u8]) -> Result<(), crate::connection::SendError>,
    ) -> Result<(), JsError> {
        let staging = STAGING.with(|cell| core::mem::take(&mut *cell.borrow_mut()));
        let result = match staging.get(..len) {
            Some(data) => send(&mut self.conn, data).map_err(send_error),
            None => Err(JsError::new("payload longer than the staging space")),
        };
        STAGING.with(|cell| *cell.borrow_mut() = staging);
        result
    }

    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&mut self, is_binary: bool, len: usize) -> Result<(), JsError> {
        self.send_staged(len, |conn, data| conn.send_message(is_binary, data))
    }

    /// The next message goes out uncompressed (autobahn's `doNotCompress`).
    #[wasm_bindgen(js_name = skipCompressNext)]
    pub fn skip_compress_next(&mut self) {
        self.conn.skip_next_message_transform();
    }

    /// One data frame (opcode 0, 1 or 2) from the staging buffer, for streaming.
    #[wasm_bindgen(js_name = sendFrame)]
    pub fn send_frame(&mut self, opcode: u8, fin: bool, len: usize) -> Result<(), JsError> {
        let opcode = data_opcode(opcode)?;
        self.send_staged(len, |conn, data| match opcode {
            Opcode::Text => conn.send_text(data, fin),
            Opcode::Binary => conn.send_binary(data, fin),
            _ => conn.send_continuation(data, fin),
        })
    }

    /// Header of an unmasked, unextended data frame; JS writes the payload after it.
    /// Throws when the frame needs a transform (then use the staging path).
    #[wasm_bindgen(js_name = sendHeaderOnly)]
    pub fn send_header_only(&mut self, opcode: u8, fin: bool, len: f64) -> Result<(), JsError> {
        let opcode = data_opcode(opcode)?;
        self.conn.send_header_only(opcode, fin, len as u64).map_err(send_error)
    }

    /// Whether `sendHeaderOnly` applies (no mask, no extension).
    #[wasm_bindgen(js_name = canSendHeaderOnly)]
    pub fn can_send_header_only(&self) -> bool {
        !self.conn.config().masks_outgoing(self.conn.role()) && self.conn.extensions().is_empty()
    }

    #[wasm_bindgen(js_name = sendPing)]
    pub fn send_ping(&mut self, data: &[u8]) -> Result<(), JsError> {
        self.conn.send_ping(data).map_err(send_error)
    }

    #[wasm_bindgen(js_name = sendPong)]
    pub fn send_pong(&mut self, data: &[u8]) -> Result<(), JsError> {
        self.conn.send_pong(data).map_err(send_error)
    }

    #[wasm_bindgen(js_name = sendClose)]
    pub fn send_close(&mut self, code: Option<u16>, reason: &str) -> Result<(), JsError> {
        self.conn.send_close(code, reason).map_err(send_error)
    }

    /// Fails the connection from the I/O layer (e.g. 1011 after an internal error).
    pub fn fail(&mut self, code: u16, reason: &str) {
        self.conn.fail(ProtocolError::new(code, reason));
    }

    // ----- state -----

    pub fn state(&self) -> JsValue {
        to_js(&self.conn.state())
    }

    /// The connection's state as `status::*` bits, in one call that builds no JS object.
    ///
    /// Hot JS paths use only exports that return numbers or strings: an export that builds
    /// objects calls back into JS while it runs, and on Node 20 (V8 11.3) a lazy deopt of the
    /// calling function during such a call crashes the process ("unreachable code" in
    /// Deoptimizer::DoComputeBuiltinContinuation), seen in the Autobahn client run.
    pub fn status(&self) -> u32 {
        let c = &self.conn;
        let mut bits = 0;
        let mut set = |cond: bool, bit: u32| {
            if cond {
                bits |= bit;
            }
        };
        set(!c.output().is_empty(), status::OUTPUT_PENDING);
        set(c.close_expected(), status::CLOSE_EXPECTED);
        set(c.should_close_transport(), status::CLOSE_TRANSPORT);
        set(c.close_sent().is_some(), status::CLOSE_SENT);
        set(c.close_received().is_some(), status::CLOSE_RECEIVED);
        set(c.failure().is_some(), status::FAILED);
        set(c.was_clean(), status::WAS_CLEAN);
        set(c.has_held(), status::HELD);
        bits
    }

    /// Close code received from the peer (1005 when its close had none), or 0.
    #[wasm_bindgen(js_name = closeReceivedCode)]
    pub fn close_received_code(&self) -> u16 {
        self.conn.close_received().map_or(0, |c| c.code)
    }

    #[wasm_bindgen(js_name = closeReceivedReason)]
    pub fn close_received_reason(&self) -> String {
        self.conn.close_received().map(|c| c.reason.clone()).unwrap_or_default()
    }

    /// The code we failed the connection with, or 0.
    #[wasm_bindgen(js_name = failureCode)]
    pub fn failure_code(&self) -> u16 {
        self.conn.failure().map_or(0, |f| f.code)
    }

    #[wasm_bindgen(js_name = failureReason)]
    pub fn failure_reason(&self) -> String {
        self.conn.failure().map(|f| f.reason.clone()).unwrap_or_default()
    }

    #[wasm_bindgen(js_name = closeExpected)]
    pub fn close_expected(&self) -> bool {
        self.conn.close_expected()
    }

    #[wasm_bindgen(js_name = shouldCloseTransport)]
    pub fn should_close_transport(&self) -> bool {
        self.conn.should_close_transport()
    }

    /// `{wasClean, sent?: {code, reason}, received?: {code, reason}, failure?: {code, reason}}`
    #[wasm_bindgen(js_name = closeInfo)]
    pub fn close_info(&self) -> JsValue {
        to_js(&CloseInfo {
            was_clean: self.conn.was_clean(),
            sent: self.conn.close_sent(),
            received: self.conn.close_received(),
            failure: self.conn.failure().map(|f| FailureInfo { code: f.code, reason: &f.reason }),
        })
    }

    pub fn subprotocol(&self) -> Option<String> {
        self.conn.subprotocol().map(str::to_owned)
    }

    /// The negotiated extensions, `[{name, params: [[name, value|null]]}]`.
    pub fn extensions(&self) -> JsValue {
        to_js(&self.conn.extensions())
    }
}

fn parse_headers(headers: JsValue) -> Result<Vec<(String, String)>, JsError> {
    if headers.is_undefined() || headers.is_null() {
        return Ok(Vec::new());
    }
    serde_wasm_bindgen::from_value(headers).map_err(|e| JsError::new(&format!("headers must be [[name, value]]: {e}")))
}

fn send_error(err: crate::connection::SendError) -> JsError {
    JsError::new(&err.to_string())
}
